// The simulated upstream, served by calbroker under /sandbox: an OAuth 2.0 server with its own
// sign-in page (PKCE, codes, refresh), and a small calendar API. It speaks real HTTP, so the sandbox
// adapter reaches it exactly as the Google adapter reaches Google.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, sendPage } from '../../src/http/html.js';
import { withQuery } from '../../src/http/urls.js';
import type { EventWrite } from '../contract.js';
import { CALENDARS, SandboxStore } from './data.js';
import { SandboxTokens, type SandboxClaims } from './tokens.js';

export const SANDBOX_CLIENT_ID = 'calbroker-sandbox';
const ACCESS_TTL = 3600;
const CODE_TTL = 300;

type Form = Record<string, string | undefined>;

function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

function signInPage(query: Form) {
  const hidden = ['client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method'] as const;
  return html`
<h1>Sandbox sign-in</h1>
<p class="warning" role="note"><strong>Simulated calendar service.</strong> No real account is used: pick any name and email
address, and you get a set of sample calendars and events.</p>
<form method="post" action="/sandbox/oauth/authorize">
  ${hidden.map((name) => html`<input type="hidden" name="${name}" value="${query[name] ?? ''}">`)}
  <p><label>Name<br><input name="name" value="Ada Lovelace" required maxlength="100"></label></p>
  <p><label>Email<br><input name="email" type="email" value="ada@sandbox.example" required maxlength="200"></label></p>
  <button class="primary" type="submit" name="decision" value="allow">Sign in and allow</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`;
}

export function sandboxServer(tokens: SandboxTokens, store: SandboxStore, publicUrl: string) {
  const issuer = `${publicUrl}/sandbox`;
  const callback = `${publicUrl}/sandbox/accounts/connect`;

  async function bearer(request: FastifyRequest, reply: FastifyReply): Promise<SandboxClaims | undefined> {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const claims = token ? await tokens.verify(token, 'access') : undefined;
    if (!claims) reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid_token' });
    return claims;
  }

  const calendarFor = (id: string) => CALENDARS.find((c) => c.id === id);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/sandbox/oauth/authorize', { config: { errorStyle: 'page' } }, async (request, reply) => {
      const query = request.query as Form;
      if (query.client_id !== SANDBOX_CLIENT_ID || query.redirect_uri !== callback) {
        return sendPage(reply, 400, 'Sandbox', html`<h1>Sandbox</h1><p>Unknown client or redirect URI.</p>`);
      }
      return sendPage(reply, 200, 'Sandbox sign-in', signInPage(query));
    });

    app.post('/sandbox/oauth/authorize', async (request, reply) => {
      const form = (request.body ?? {}) as Form;
      if (form.client_id !== SANDBOX_CLIENT_ID || form.redirect_uri !== callback) return oauthError(reply, 400, 'invalid_request', 'Unknown client or redirect URI');
      if (form.decision !== 'allow') return reply.redirect(withQuery(callback, { error: 'access_denied', state: form.state, iss: issuer }), 303);
      const email = (form.email ?? '').trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) return oauthError(reply, 400, 'invalid_request', 'An email address is required');
      const code = await tokens.sign(
        { use: 'code', email, name: (form.name ?? '').trim() || email, scope: form.scope ?? '', redirect_uri: callback, code_challenge: form.code_challenge },
        CODE_TTL,
      );
      return reply.redirect(withQuery(callback, { code, state: form.state, iss: issuer }), 303);
    });

    app.post('/sandbox/oauth/token', async (request, reply) => {
      const form = (request.body ?? {}) as Form;
      if (form.client_id !== SANDBOX_CLIENT_ID) return oauthError(reply, 401, 'invalid_client', 'Unknown client');
      let claims: SandboxClaims | undefined;
      if (form.grant_type === 'authorization_code') {
        claims = await tokens.verify(form.code ?? '', 'code');
        const verifier = createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
        if (!claims || claims.redirect_uri !== form.redirect_uri || claims.code_challenge !== verifier) {
          return oauthError(reply, 400, 'invalid_grant', 'Invalid code or verifier');
        }
      } else if (form.grant_type === 'refresh_token') {
        claims = await tokens.verify(form.refresh_token ?? '', 'refresh');
        if (!claims) return oauthError(reply, 400, 'invalid_grant', 'Invalid refresh token');
      } else {
        return oauthError(reply, 400, 'unsupported_grant_type', 'Only authorization_code and refresh_token');
      }
      const subject = { email: claims.email, name: claims.name, scope: claims.scope, sub: claims.sub ?? claims.email };
      const body: Record<string, unknown> = {
        token_type: 'Bearer',
        access_token: await tokens.sign({ ...subject, use: 'access' }, ACCESS_TTL),
        expires_in: ACCESS_TTL,
        scope: claims.scope,
      };
      if (form.grant_type === 'authorization_code') body.refresh_token = await tokens.sign({ ...subject, use: 'refresh' });
      return reply.header('cache-control', 'no-store').send(body);
    });

    // Tokens are stateless: revocation is accepted and the simulated account simply forgets nothing.
    app.post('/sandbox/oauth/revoke', async (_request, reply) => reply.code(200).send({}));

    app.get('/sandbox/oauth/userinfo', async (request, reply) => {
      const claims = await bearer(request, reply);
      if (claims) return { sub: claims.email, email: claims.email, name: claims.name };
    });

    app.get('/sandbox/api/calendars', async (request, reply) => {
      if (await bearer(request, reply)) return { calendars: CALENDARS };
    });

    app.get<{ Params: { calendar: string } }>('/sandbox/api/calendars/:calendar/events', async (request, reply) => {
      const claims = await bearer(request, reply);
      if (!claims) return;
      if (!calendarFor(request.params.calendar)) return reply.code(404).send({ error: 'not_found' });
      const q = request.query as Form;
      const from = new Date(q.from ?? 0);
      const to = new Date(q.to ?? 8.64e15);
      const events = store.events(claims.email, request.params.calendar, from, to, q.include_deleted === 'true', q.updated_since ? new Date(q.updated_since) : undefined);
      return { events };
    });

    type EventRequest = FastifyRequest<{ Params: { calendar: string; event: string } }>;
    /** The caller and a calendar it may write to, or undefined once the refusal is sent. */
    async function writable(request: EventRequest, reply: FastifyReply) {
      const claims = await bearer(request, reply);
      if (!claims) return undefined;
      const calendar = calendarFor(request.params.calendar);
      if (!calendar) return void reply.code(404).send({ error: 'not_found' });
      if (calendar.readonly) return void reply.code(403).send({ error: 'read_only' });
      return { claims, calendar };
    }

    app.put<{ Params: { calendar: string; event: string } }>('/sandbox/api/calendars/:calendar/events/:event', async (request, reply) => {
      const target = await writable(request, reply);
      if (!target) return;
      store.upsert(target.claims.email, target.calendar.id, request.params.event, request.body as EventWrite);
      return reply.code(204).send();
    });

    app.delete<{ Params: { calendar: string; event: string } }>('/sandbox/api/calendars/:calendar/events/:event', async (request, reply) => {
      const target = await writable(request, reply);
      if (!target) return;
      const deleted = store.delete(target.claims.email, target.calendar.id, request.params.event);
      return deleted ? reply.code(204).send() : reply.code(404).send({ error: 'not_found' });
    });

    app.post('/sandbox/api/freebusy', async (request, reply) => {
      const claims = await bearer(request, reply);
      if (!claims) return;
      const body = (request.body ?? {}) as { from?: string; to?: string; calendars?: string[] };
      const from = new Date(body.from ?? 0);
      const to = new Date(body.to ?? 8.64e15);
      const busy = (body.calendars ?? []).flatMap((calendarId) =>
        store
          .events(claims.email, calendarId, from, to, false)
          .filter((e) => e.transparency === 'opaque' && 'time' in e.start && 'time' in e.end)
          .map((e) => ({ calendar: calendarId, start: (e.start as { time: string }).time, end: (e.end as { time: string }).time })),
      );
      return { busy };
    });
  };
}
