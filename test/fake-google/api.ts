// Shared pieces of the fake Calendar API v3: authentication, scope checks, errors, calendar lookup, JSON bodies.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { googleError, type AccessToken, type FakeCalendar, type FakeState, type GoogleErrorItem } from './state.js';

export const BEARER_REALM = 'Bearer realm="https://accounts.google.com/"';

const AUTH = 'https://www.googleapis.com/auth/';
export const CALENDAR_SCOPE = `${AUTH}calendar`;
/** Scopes that may write events. */
export const EVENTS_WRITE_SCOPES = [CALENDAR_SCOPE, `${AUTH}calendar.events`];
/** Scopes that may read events. */
export const EVENTS_READ_SCOPES = [...EVENTS_WRITE_SCOPES, `${AUTH}calendar.readonly`, `${AUTH}calendar.events.readonly`];
export const FREEBUSY_SCOPES = [...EVENTS_READ_SCOPES, `${AUTH}calendar.freebusy`];

export const ROLE_RANK: Record<FakeCalendar['accessRole'], number> = { freeBusyReader: 0, reader: 1, writer: 2, owner: 3 };

export const etagOf = (value: unknown) =>
  `"${BigInt('0x' + createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 13)).toString()}"`;

/** Sends a Google API error with a single `global` error item. */
export function sendError(
  reply: FastifyReply,
  code: number,
  reason: string,
  message: string,
  extra: Partial<GoogleErrorItem> = {},
  topMessage = message,
) {
  return reply.code(code).send(googleError(code, topMessage, [{ message, domain: 'global', reason, ...extra }]));
}

export function invalidParam(reply: FastifyReply, location: string, message = 'Invalid Value') {
  return sendError(reply, 400, 'invalid', message, { location, locationType: 'parameter' });
}

export const notFound = (reply: FastifyReply) => sendError(reply, 404, 'notFound', 'Not Found');

/**
 * Resolves the bearer token and checks its scopes. On failure the 401/403 is sent and undefined returned:
 * the handler then returns `reply`.
 */
export function authenticate(
  state: FakeState,
  req: FastifyRequest,
  reply: FastifyReply,
  scopeOk: (granted: string[]) => boolean,
  challengeScope: string,
): AccessToken | undefined {
  const token = state.accessTokenFrom(req);
  if (!token) {
    reply
      .code(401)
      .header('www-authenticate', `${BEARER_REALM}, error="invalid_token"`)
      .send(
        googleError(
          401,
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
        ),
      );
    return undefined;
  }
  if (!scopeOk(token.grant.scopes)) {
    reply
      .code(403)
      .header('www-authenticate', `${BEARER_REALM}, error="insufficient_scope", scope="${challengeScope}"`)
      .send(
        googleError(403, 'Request had insufficient authentication scopes.', [
          { message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' },
        ]),
      );
    return undefined;
  }
  return token;
}

/** Accepts a token granted any of `scopes` (full URLs). */
export const anyOf = (scopes: readonly string[]) => (granted: string[]) => granted.some((s) => scopes.includes(s));

/**
 * A calendar the user can reach: one on their (non-deleted) calendar list. `primary` names the primary calendar,
 * as on Google.
 */
export function reachableCalendar(state: FakeState, sub: string, calendarId: string): FakeCalendar | undefined {
  const calendars = (state.users.get(sub)?.calendars ?? []).filter((c) => !c.deleted);
  if (calendarId === 'primary') return calendars.find((c) => c.primary);
  return calendars.find((c) => c.id === calendarId);
}

// --- JSON request bodies -----------------------------------------------------

/** Set as the body when it is not valid JSON; the handler answers Google's parse error after the usual hooks ran. */
export const PARSE_ERROR = Symbol('parse error');

/**
 * Installs, in an encapsulated context, a body parser that never fails in fastify itself: an empty body is
 * undefined, malformed JSON becomes PARSE_ERROR. Hooks (counts, failNext) therefore always run.
 */
export function lenientJsonBodies(app: FastifyInstance) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(null, PARSE_ERROR);
    }
  });
}

export function sendParseError(reply: FastifyReply) {
  return sendError(reply, 400, 'parseError', 'Parse Error');
}

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
