// Shared types, in-memory state and response helpers for the fake Google.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface FakeUser {
  sub: string;
  email: string;
  name: string;
  calendars: FakeCalendar[];
}

export interface FakeCalendar {
  id: string;
  summary: string;
  accessRole: 'freeBusyReader' | 'reader' | 'writer' | 'owner';
  primary?: boolean;
  deleted?: boolean;
  summaryOverride?: string;
  timeZone?: string;
}

export interface FakeEventDateTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

/** Google's event resource, as stored (kind and htmlLink are added when served). Unknown fields are kept as sent. */
export interface FakeEvent {
  id: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
  description?: string;
  location?: string;
  start: FakeEventDateTime;
  end: FakeEventDateTime;
  created: string; // RFC 3339 UTC
  updated: string; // RFC 3339 UTC
  transparency?: 'opaque' | 'transparent';
  visibility?: 'default' | 'public' | 'private' | 'confidential';
  attendees?: Array<{
    email: string;
    displayName?: string;
    responseStatus?: 'needsAction' | 'declined' | 'tentative' | 'accepted';
    self?: boolean;
    organizer?: boolean;
  }>;
  organizer?: { email: string; displayName?: string; self?: boolean };
  recurringEventId?: string;
  iCalUID?: string;
  etag?: string;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
}

export interface ConsentBehaviour {
  sub?: string;
  deny?: boolean;
  grantedScopes?: string[];
  omitRefreshToken?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

export interface Counts {
  token_authorization_code: number;
  token_refresh: number;
  userinfo: number;
  calendarList: number;
  revoke: number;
  events_list: number;
  events_get: number;
  events_insert: number;
  /** PUT and PATCH. */
  events_update: number;
  events_delete: number;
  freeBusy: number;
}

export interface CannedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An authorization code issued by /o/oauth2/v2/auth. */
export interface AuthCode {
  clientId: string;
  redirectUri: string;
  sub: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: 'plain' | 'S256';
  nonce?: string;
  accessType?: string;
  prompt?: string;
  omitRefreshToken: boolean;
  used: boolean;
  expiresAt: number;
}

/** One successful code exchange: the refresh token and every access token minted from it. */
export interface Grant {
  clientId: string;
  sub: string;
  scopes: string[];
  refreshToken?: string;
  /** Set by revokeRefreshTokens(): the refresh token answers invalid_grant, access tokens live on. */
  refreshRevoked: boolean;
  /** Set by POST /revoke: the whole grant is dead. */
  revoked: boolean;
}

export interface AccessToken {
  grant: Grant;
  expiresAt: number;
  /** Set by expireAccessTokens(). */
  forcedExpired: boolean;
}

export interface PageCursor {
  sub: string;
  offset: number;
}

/** events.list page token: resumes after the last item served, in the order it was served. */
export interface EventCursor {
  sub: string;
  calendarId: string;
  orderBy: 'start' | 'updated';
  afterTime: number;
  afterId: string;
}

export class FakeState {
  readonly users = new Map<string, FakeUser>();
  readonly consentQueue: ConsentBehaviour[] = [];
  readonly codes = new Map<string, AuthCode>();
  readonly grants: Grant[] = [];
  readonly refreshTokens = new Map<string, Grant>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly pageTokens = new Map<string, PageCursor>();
  readonly failures = new Map<string, CannedResponse[]>();
  /** Events per `${sub}\n${calendarId}`, by event id (insertion order kept). */
  readonly events = new Map<string, Map<string, FakeEvent>>();
  readonly eventPageTokens = new Map<string, EventCursor>();
  readonly requests: RecordedRequest[] = [];
  readonly counts: Counts = {
    token_authorization_code: 0,
    token_refresh: 0,
    userinfo: 0,
    calendarList: 0,
    revoke: 0,
    events_list: 0,
    events_get: 0,
    events_insert: 0,
    events_update: 0,
    events_delete: 0,
    freeBusy: 0,
  };
  calendarPageSize = 2;
  eventPageSize = 250;
  accessTokenTtl = 3600;

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  issueAccessToken(grant: Grant): string {
    const token = `ya29.${randomToken(48)}`;
    this.accessTokens.set(token, {
      grant,
      expiresAt: Date.now() + this.accessTokenTtl * 1000,
      forcedExpired: false,
    });
    return token;
  }

  /** Resolves `Authorization: Bearer <token>` to a live access token, or undefined. */
  accessTokenFrom(req: FastifyRequest): AccessToken | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const entry = match?.[1] ? this.accessTokens.get(match[1]) : undefined;
    if (!entry || entry.forcedExpired || entry.grant.revoked || Date.now() >= entry.expiresAt) {
      return undefined;
    }
    return entry;
  }

  /** The event store of one (user, calendar), created on first use. */
  eventStore(sub: string, calendarId: string): Map<string, FakeEvent> {
    const key = `${sub}\n${calendarId}`;
    let store = this.events.get(key);
    if (!store) this.events.set(key, (store = new Map()));
    return store;
  }
}

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Request query as a flat record (last value wins for repeated keys). */
export function queryOf(req: FastifyRequest): Record<string, string> {
  return Object.fromEntries(new URL(req.url, 'http://x').searchParams);
}

export function pathOf(req: FastifyRequest): string {
  return new URL(req.url, 'http://x').pathname;
}

/** Form or JSON body as a flat record of string values (Google's token endpoint accepts both). */
export function bodyOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const body: unknown = req.body;
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      if (typeof v === 'string') out[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    }
  }
  return out;
}

// --- Google API (googleapis.com) error shape --------------------------------

export interface GoogleErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  410: 'GONE',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const DEFAULT_REASONS: Record<number, [reason: string, message: string]> = {
  400: ['badRequest', 'Bad Request'],
  401: ['authError', 'Invalid Credentials'],
  403: ['forbidden', 'Forbidden'],
  404: ['notFound', 'Not Found'],
  409: ['conflict', 'Conflict'],
  410: ['deleted', 'Resource has been deleted'],
  429: ['rateLimitExceeded', 'Rate Limit Exceeded'],
  500: ['backendError', 'Backend Error'],
  503: ['backendError', 'Backend Error'],
};

export function googleError(code: number, message: string, errors: GoogleErrorItem[], status?: string) {
  return { error: { code, message, errors, status: status ?? STATUS_NAMES[code] ?? 'UNKNOWN' } };
}

/** A plausible Google API error body for an arbitrary status (used by failNext without a body). */
export function defaultGoogleError(code: number) {
  const [reason, message] = DEFAULT_REASONS[code] ?? (code >= 500 ? ['backendError', 'Backend Error'] : ['badRequest', 'Bad Request']);
  return googleError(code, message, [{ message, domain: 'global', reason }]);
}

export function sendCanned(reply: FastifyReply, canned: CannedResponse): FastifyReply {
  reply.code(canned.status);
  const headers = canned.headers ?? {};
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  const hasContentType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
  const body = canned.body === undefined ? (canned.status >= 400 ? defaultGoogleError(canned.status) : {}) : canned.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (!hasContentType) reply.type('text/plain; charset=utf-8');
    return reply.send(body);
  }
  if (!hasContentType) reply.type('application/json; charset=UTF-8');
  return reply.send(JSON.stringify(body));
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
