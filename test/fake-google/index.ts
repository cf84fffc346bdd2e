// A fake Google (OAuth 2.0 / OpenID Connect provider + Calendar API v3) served over real HTTP on loopback.
import Fastify from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';
import type { AddressInfo } from 'node:net';
import { lenientJsonBodies } from './api.js';
import { registerCalendarRoutes } from './calendar.js';
import { storeNewEvent } from './event-model.js';
import { eventCountOf, registerEventRoutes } from './events.js';
import { registerFreeBusyRoutes } from './freebusy.js';
import { registerOAuthRoutes } from './oauth.js';
import {
  bodyOf,
  FakeState,
  googleError,
  pathOf,
  queryOf,
  randomToken,
  sendCanned,
  type ConsentBehaviour,
  type Counts,
  type FakeEvent,
  type FakeUser,
  type RecordedRequest,
} from './state.js';

export type { ConsentBehaviour, FakeCalendar, FakeEvent, FakeEventDateTime, FakeUser, RecordedRequest } from './state.js';

export interface FakeGoogle {
  issuer: string; // http://127.0.0.1:PORT (no trailing slash)
  apiUrl: string; // same origin; Calendar API served under /calendar/v3
  clientId: string;
  clientSecret: string;
  addUser(user: FakeUser): void;
  queueConsent(b: ConsentBehaviour): void;
  expireAccessTokens(): void;
  revokeRefreshTokens(sub?: string): void;
  failNext(path: string, status: number, body?: unknown, headers?: Record<string, string>): void;
  counts: Counts;
  requests: RecordedRequest[];
  calendarPageSize: number;
  /** Caps the page size of events.list (default 250), like calendarPageSize does for calendarList. */
  eventPageSize: number;
  accessTokenTtl: number;
  /** Milliseconds the token endpoint waits before answering (default 0), to widen race windows in tests. */
  tokenDelayMs: number;
  /**
   * Stores an event on (user, calendar) as Google would have it, filling id (random base32hex), status confirmed,
   * created/updated now, iCalUID and etag unless given. Returns the stored object (by reference).
   */
  addEvent(sub: string, calendarId: string, event: Partial<FakeEvent> & Pick<FakeEvent, 'start' | 'end'>): FakeEvent;
  /** Every event stored on (user, calendar), cancelled ones included, in insertion order. */
  events(sub: string, calendarId: string): FakeEvent[];
  close(): Promise<void>;
}

export async function startFakeGoogle(opts: { clientId?: string; clientSecret?: string } = {}): Promise<FakeGoogle> {
  const state = new FakeState(
    opts.clientId ?? 'fake-client-id.apps.googleusercontent.com',
    opts.clientSecret ?? 'GOCSPX-fake-client-secret',
  );
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomToken(12);
  const publicJwk = await exportJWK(publicKey);

  const app = Fastify({ logger: false, forceCloseConnections: true });

  // The token and revoke endpoints take form bodies (the token endpoint also accepts JSON, fastify's default).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onRequest', async (req) => {
    state.requests.push({ method: req.method, path: pathOf(req), query: queryOf(req), headers: { ...req.headers } });
  });

  // Runs after body parsing (so /token can be counted per grant_type) and for unknown routes too.
  let tokenDelayMs = 0;
  app.addHook('preHandler', async (req, reply) => {
    const path = pathOf(req);
    if (path === '/token') {
      if (tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, tokenDelayMs));
      const grantType = bodyOf(req).grant_type;
      if (grantType === 'authorization_code') state.counts.token_authorization_code++;
      else if (grantType === 'refresh_token') state.counts.token_refresh++;
    } else if (path === '/v1/userinfo') state.counts.userinfo++;
    else if (path === '/calendar/v3/users/me/calendarList') state.counts.calendarList++;
    else if (path === '/revoke') state.counts.revoke++;
    else {
      const op = eventCountOf(req.method, path);
      if (op) state.counts[op]++;
    }

    const canned = state.failures.get(path)?.shift();
    if (canned) return sendCanned(reply, canned);
  });

  app.setNotFoundHandler((req, reply) => {
    const message = `Not Found: ${req.method} ${pathOf(req)}`;
    return reply.code(404).send(googleError(404, message, [{ message, domain: 'global', reason: 'notFound' }]));
  });

  let issuer = '';
  registerOAuthRoutes(app, state, { kid, privateKey, publicJwk }, () => issuer);
  registerCalendarRoutes(app, state);
  // Event bodies are parsed in their own context, so that malformed JSON still reaches the hooks and the handler.
  await app.register(async (api) => {
    lenientJsonBodies(api);
    registerEventRoutes(api, state);
    registerFreeBusyRoutes(api, state);
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}`;

  return {
    issuer,
    apiUrl: issuer,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    counts: state.counts,
    requests: state.requests,
    get calendarPageSize() {
      return state.calendarPageSize;
    },
    set calendarPageSize(n: number) {
      state.calendarPageSize = n;
    },
    get eventPageSize() {
      return state.eventPageSize;
    },
    set eventPageSize(n: number) {
      state.eventPageSize = n;
    },
    get tokenDelayMs() {
      return tokenDelayMs;
    },
    set tokenDelayMs(ms: number) {
      tokenDelayMs = ms;
    },
    get accessTokenTtl() {
      return state.accessTokenTtl;
    },
    set accessTokenTtl(n: number) {
      state.accessTokenTtl = n;
    },
    // The user object is kept by reference: mutating user.calendars later is visible to the API.
    addUser(user) {
      state.users.set(user.sub, user);
    },
    addEvent(sub, calendarId, event) {
      return storeNewEvent(state, sub, calendarId, event);
    },
    events(sub, calendarId) {
      return [...state.eventStore(sub, calendarId).values()];
    },
    queueConsent(b) {
      state.consentQueue.push(b);
    },
    expireAccessTokens() {
      for (const t of state.accessTokens.values()) t.forcedExpired = true;
    },
    revokeRefreshTokens(sub) {
      for (const g of state.grants) if (sub === undefined || g.sub === sub) g.refreshRevoked = true;
    },
    failNext(path, status, body, headers) {
      const queue = state.failures.get(path) ?? [];
      queue.push({ status, body, ...(headers ? { headers } : {}) });
      state.failures.set(path, queue);
    },
    close: () => app.close(),
  };
}
