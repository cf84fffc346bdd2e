// The operator's dashboard: sign in with ADMIN_TOKEN, then list, create and manage apps.
// Registered only when ADMIN_TOKEN is set. Every page goes through sendPage (no caching, no framing,
// forms post only to us), and every state-changing POST needs the session's CSRF token.
import type { FastifyInstance } from 'fastify';
import { sameSecret } from '../../crypto/tokens.js';
import { sendPage } from '../../http/html.js';
import { TooManyRequests } from '../../http/rate-limit.js';
import { createApp, listApps } from '../../storage/apps.js';
import { appPage } from './app-page.js';
import { appRoutes } from './app-routes.js';
import { checkAppName, checkRedirectUris, formFields } from './forms.js';
import { appListPage, noticeFor, signInPage, type NewAppForm } from './pages.js';
import { DASHBOARD_SIGN_IN_FAILURES_PER_ADDRESS, DashboardSessions } from './session.js';

export interface DashboardRouteOptions {
  adminToken: string;
  secureCookies: boolean;
}

const PAGE = { config: { errorStyle: 'page' as const } };

export async function dashboardRoutes(app: FastifyInstance, options: DashboardRouteOptions) {
  const sessions = new DashboardSessions(app.stateStore, options.secureCookies);

  app.get('/dashboard', PAGE, async (request, reply) => {
    const session = await sessions.read(request);
    const notice = noticeFor(request.query);
    if (!session) return sendPage(reply, 200, 'Sign in', signInPage({ notice }));
    return sendPage(reply, 200, 'Apps', appListPage({ csrfToken: session.csrfToken, apps: await listApps(app.db), notice }));
  });

  // No CSRF token here: there is no session yet, and forcing a sign-in would need the admin token itself.
  app.post('/dashboard/sign-in', PAGE, async (request, reply) => {
    try {
      await app.rateLimiter.check(DASHBOARD_SIGN_IN_FAILURES_PER_ADDRESS, request.ip);
    } catch (error) {
      if (!(error instanceof TooManyRequests)) throw error;
      reply.headers(error.headers);
      return sendPage(reply, 429, 'Sign in', signInPage({ error: 'Too many failed sign-ins from this address. Try again later.' }));
    }
    const { token } = formFields(request.body, ['token']);
    if (!token || !sameSecret(token, options.adminToken)) {
      await app.rateLimiter.record(DASHBOARD_SIGN_IN_FAILURES_PER_ADDRESS, request.ip);
      request.log.info('dashboard sign-in refused');
      return sendPage(reply, 403, 'Sign in', signInPage({ error: 'That admin token is not correct.' }));
    }
    await sessions.start(request, reply);
    request.log.info('dashboard sign-in');
    return reply.redirect('/dashboard', 303);
  });

  app.post('/dashboard/sign-out', PAGE, async (request, reply) => {
    await sessions.requireForm(request);
    await sessions.end(request, reply);
    return reply.redirect('/dashboard?notice=signed-out', 303);
  });

  app.post('/dashboard/apps', PAGE, async (request, reply) => {
    const { csrfToken } = await sessions.requireForm(request);
    const fields = formFields(request.body, ['name', 'redirect_uris', 'public_client']);
    const form: NewAppForm = { name: fields.name, redirectUris: fields.redirect_uris, publicClient: fields.public_client === 'yes' };
    const name = checkAppName(form.name);
    const redirectUris = checkRedirectUris(form.redirectUris);
    if (!name.ok || !redirectUris.ok) {
      const error = !name.ok ? name.problem : !redirectUris.ok ? redirectUris.problem : undefined;
      return sendPage(reply, 400, 'Apps', appListPage({ csrfToken, apps: await listApps(app.db), form, error }));
    }
    const { app: created, clientSecret } = await createApp(app.db, {
      name: name.value,
      redirectUris: redirectUris.value,
      tokenEndpointAuthMethod: form.publicClient ? 'none' : 'client_secret_basic',
    });
    request.log.info({ clientId: created.id }, 'dashboard created an app');
    // The secret is rendered into this response only: a redirect would have to keep it somewhere.
    const page = appPage({
      csrfToken,
      app: created,
      connections: { total: 0, accounts: [] },
      newSecret: clientSecret ? { value: clientSecret, reason: 'created' } : undefined,
      notice: 'App created.',
    });
    return sendPage(reply, 201, created.name, page);
  });

  appRoutes(app, sessions);
}
