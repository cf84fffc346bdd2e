// One app's dashboard routes: its page, redirect URIs, verified mark, secret rotation and deletion.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PageError } from '../../errors.js';
import { sendPage } from '../../http/html.js';
import { findApp, rotateSecret } from '../../storage/apps.js';
import { appConnections, deleteApp, setRedirectUris, setVerified } from '../../storage/dashboard.js';
import type { App } from '../../storage/schema.js';
import { appPage, type AppPageInput } from './app-page.js';
import { checkRedirectUris, formFields } from './forms.js';
import { noticeFor } from './pages.js';
import type { DashboardSessions } from './session.js';

interface AppParams {
  Params: { clientId: string };
}

const PAGE = { config: { errorStyle: 'page' as const } };

const noSuchApp = () =>
  new PageError(404, 'No such app', 'There is no app with this client id. It may have been deleted.', {
    link: { href: '/dashboard', text: 'Back to the apps' },
  });

const appPath = (clientId: string) => `/dashboard/apps/${encodeURIComponent(clientId)}`;

export function appRoutes(app: FastifyInstance, sessions: DashboardSessions) {
  async function loadApp(clientId: string): Promise<App> {
    const found = await findApp(app.db, clientId);
    if (!found) throw noSuchApp();
    return found;
  }

  async function showApp(reply: FastifyReply, status: number, input: Omit<AppPageInput, 'connections'>) {
    const connections = await appConnections(app.db, input.app.id);
    return sendPage(reply, status, input.app.name, appPage({ ...input, connections }));
  }

  app.get<AppParams>('/dashboard/apps/:clientId', PAGE, async (request, reply) => {
    const session = await sessions.read(request);
    if (!session) return reply.redirect('/dashboard', 303);
    const found = await loadApp(request.params.clientId);
    return showApp(reply, 200, { csrfToken: session.csrfToken, app: found, notice: noticeFor(request.query) });
  });

  app.post<AppParams>('/dashboard/apps/:clientId/redirect-uris', PAGE, async (request, reply) => {
    const { csrfToken } = await sessions.requireForm(request);
    const found = await loadApp(request.params.clientId);
    const { redirect_uris: text } = formFields(request.body, ['redirect_uris']);
    const checked = checkRedirectUris(text);
    if (!checked.ok) return showApp(reply, 400, { csrfToken, app: found, error: checked.problem, redirectUrisText: text });
    if (!(await setRedirectUris(app.db, found.id, checked.value))) throw noSuchApp();
    request.log.info({ clientId: found.id }, 'dashboard changed redirect URIs');
    return reply.redirect(`${appPath(found.id)}?notice=redirect-uris-saved`, 303);
  });

  app.post<AppParams>('/dashboard/apps/:clientId/verified', PAGE, async (request, reply) => {
    await sessions.requireForm(request);
    const found = await loadApp(request.params.clientId);
    const { verified } = formFields(request.body, ['verified']);
    if (verified !== 'true' && verified !== 'false') {
      throw new PageError(400, 'Form not understood', 'The verified field must be true or false. Nothing was changed.', {
        link: { href: appPath(found.id), text: 'Back to the app' },
      });
    }
    if (!(await setVerified(app.db, found.id, verified === 'true'))) throw noSuchApp();
    request.log.info({ clientId: found.id, verified }, 'dashboard changed the verified mark');
    return reply.redirect(`${appPath(found.id)}?notice=${verified === 'true' ? 'verified' : 'unverified'}`, 303);
  });

  app.post<AppParams>('/dashboard/apps/:clientId/secret', PAGE, async (request, reply) => {
    const { csrfToken } = await sessions.requireForm(request);
    const found = await loadApp(request.params.clientId);
    const rotated = await rotateSecret(app.db, found.id);
    if (!rotated) {
      // rotateSecret finds nothing to rotate for public clients (or an app deleted meanwhile).
      if (!(await findApp(app.db, found.id))) throw noSuchApp();
      return showApp(reply, 400, { csrfToken, app: found, error: 'This is a public client: it has no secret to rotate.' });
    }
    request.log.info({ clientId: found.id }, 'dashboard rotated a client secret');
    // Shown in this response only; see the create route.
    return showApp(reply, 200, { csrfToken, app: rotated.app, newSecret: { value: rotated.clientSecret, reason: 'rotated' }, notice: 'Secret rotated.' });
  });

  app.post<AppParams>('/dashboard/apps/:clientId/delete', PAGE, async (request, reply) => {
    const { csrfToken } = await sessions.requireForm(request);
    const found = await loadApp(request.params.clientId);
    const { confirm } = formFields(request.body, ['confirm']);
    if (confirm !== 'yes') return showApp(reply, 400, { csrfToken, app: found, error: 'Tick the box to confirm the deletion.' });
    if (!(await deleteApp(app.db, found.id))) throw noSuchApp();
    request.log.info({ clientId: found.id }, 'dashboard deleted an app');
    return reply.redirect('/dashboard?notice=deleted', 303);
  });
}
