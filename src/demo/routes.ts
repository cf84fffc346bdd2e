// GET /demo and GET /demo/callback: the demo app's side of the flow, over real HTTP to calbroker's
// own endpoints, exactly as a separate app would do it.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendPage } from '../http/html.js';
import { withQuery } from '../http/urls.js';
import { demoRedirectUri } from './demo-app.js';
import { errorPage, resultPage, startPage, type DemoCalendar, type DemoEvent } from './pages.js';

const COOKIE = 'calbroker_demo';
const SCOPE = 'read_account list_calendars read_events create_event delete_event';

export interface DemoOptions {
  publicUrl: string;
  /** Where the demo reaches calbroker server-side. */
  selfUrl: string;
  clientId: string;
  providerName: string;
  secureCookies: boolean;
}

export async function demoRoutes(app: FastifyInstance, options: DemoOptions) {
  const redirectUri = demoRedirectUri(options.publicUrl);
  const api = async <T>(path: string, accessToken: string): Promise<T> => {
    const response = await fetch(`${options.selfUrl}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return (await response.json()) as T;
  };

  app.get('/demo', { config: { errorStyle: 'page' } }, async (_request, reply) => {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    reply.setCookie(COOKIE, JSON.stringify({ verifier, state }), { signed: true, httpOnly: true, sameSite: 'lax', secure: options.secureCookies, path: '/demo', maxAge: 3600 });
    const authorize = withQuery(`${options.publicUrl}/oauth/authorize`, {
      response_type: 'code',
      client_id: options.clientId,
      redirect_uri: redirectUri,
      scope: SCOPE,
      state,
      provider_name: options.providerName,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return sendPage(reply, 200, 'calbroker demo', startPage(authorize, options.providerName));
  });

  app.get('/demo/callback', { config: { errorStyle: 'page' } }, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const raw = request.cookies[COOKIE];
    const cookie = raw ? request.unsignCookie(raw) : undefined;
    const saved = cookie?.valid && cookie.value ? (JSON.parse(cookie.value) as { verifier: string; state: string }) : undefined;
    if (!saved || saved.state !== query.state) return sendPage(reply, 400, 'calbroker demo', errorPage('invalid_state', 'this page was not opened from the demo; start again'));
    if (query.error || !query.code) return sendPage(reply, 400, 'calbroker demo', errorPage(query.error ?? 'invalid_request', query.error_description ?? 'no code came back'));

    const tokenResponse = await fetch(`${options.selfUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: query.code, redirect_uri: redirectUri, client_id: options.clientId, code_verifier: saved.verifier }),
    });
    const token = (await tokenResponse.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!token.access_token) return sendPage(reply, 400, 'calbroker demo', errorPage(token.error ?? 'server_error', token.error_description ?? ''));

    const from = new Date().toISOString().slice(0, 10);
    const to = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const { calendars } = await api<{ calendars: DemoCalendar[] }>('/v1/calendars', token.access_token);
    const { events } = await api<{ events: DemoEvent[] }>(`/v1/events?from=${from}&to=${to}&tzid=Etc/UTC`, token.access_token);
    const curl = [
      `curl -s ${options.publicUrl}/v1/calendars -H 'Authorization: Bearer ${token.access_token}'`,
      `curl -s '${options.publicUrl}/v1/events?from=${from}&to=${to}' -H 'Authorization: Bearer ${token.access_token}'`,
    ];
    reply.clearCookie(COOKIE, { path: '/demo' });
    return sendPage(reply, 200, 'calbroker demo', resultPage({ calendars, events, tokenResponse: token, curl }));
  });
}
