// Shared setup for the attack tests in test/security: a broker wired to a fake Google, raw
// authorize URLs (with repeated or odd parameters), token requests, and the full hosted flow.
import type { Test } from 'tap';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/index.js';
import { startBroker, type Broker } from '../helpers/broker.js';
import { TestBrowser, type Step } from '../helpers/browser.js';
import { authorizeUrl, connectThroughConsent, redirectParams, type AuthorizeRequest } from '../helpers/flow.js';
import { REDIRECT_URI } from '../helpers/seed.js';

export { REDIRECT_URI };

export interface Setup {
  google: FakeGoogle;
  broker: Broker;
}

/** A fake Google with one user who owns one calendar, and a broker (PostgreSQL + Redis) pointed at it. */
export async function brokerWithGoogle(t: Test, extra?: Record<string, string>): Promise<Setup> {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({ sub: 'sub-1', email: 'ada@example.com', name: 'Ada', calendars: [{ id: 'ada@example.com', summary: 'Ada', accessRole: 'owner', primary: true }] });
  const broker = await startBroker(t, 'services', google, extra);
  return { google, broker };
}

/** An authorize URL built pair by pair, so a test can repeat, omit or mangle any parameter. */
export function rawAuthorizeUrl(brokerUrl: string, pairs: Array<[string, string]>): string {
  const url = new URL('/oauth/authorize', brokerUrl);
  for (const [name, value] of pairs) url.searchParams.append(name, value);
  return url.href;
}

/** The ordinary, valid parameters of an authorize request, as pairs. */
export function authorizePairs(clientId: string, more: { redirectUri?: string; scope?: string; state?: string } = {}): Array<[string, string]> {
  return [
    ['response_type', 'code'],
    ['client_id', clientId],
    ['redirect_uri', more.redirectUri ?? REDIRECT_URI],
    ['scope', more.scope ?? 'read_account list_calendars'],
    ...(more.state === undefined ? [] : ([['state', more.state]] as Array<[string, string]>)),
  ];
}

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** POST /oauth/token with a form body (the RFC 6749 way), through the real HTTP server. */
export async function tokenRequest(
  broker: Broker,
  fields: Record<string, string>,
  options: { headers?: Record<string, string>; query?: string; path?: string } = {},
) {
  const response = await fetch(`${broker.url}${options.path ?? '/oauth/token'}${options.query ?? ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not JSON: tests that care look at `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

export type TokenResult = Awaited<ReturnType<typeof tokenRequest>>;

/** GET an API path with a bearer token in the Authorization header. */
export async function api(broker: Broker, path: string, accessToken: string | undefined, headers: Record<string, string> = {}) {
  const response = await fetch(`${broker.url}${path}`, {
    headers: { ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }), ...headers },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

/**
 * Runs the whole hosted flow (consent page, fake Google, callback) and returns the redirect to the app.
 * The caller reads `code`, `state` and `iss` from it.
 */
export async function fullFlow(broker: Broker, request: AuthorizeRequest, browser = new TestBrowser()): Promise<{ consent: Step; final: Step }> {
  return connectThroughConsent(browser, broker.url, authorizeUrl(broker.url, request), request.redirectUri);
}

/** The app's code after a successful full flow. */
export async function codeThroughFlow(broker: Broker, request: AuthorizeRequest): Promise<string> {
  const { final } = await fullFlow(broker, request);
  const code = redirectParams(final).get('code');
  if (!code) throw new Error(`no code in ${final.location}`);
  return code;
}

/** A request with the browser's manual-redirect semantics (status, Location, body), no cookies. */
export async function get(url: string): Promise<Step> {
  return new TestBrowser().request(url);
}
