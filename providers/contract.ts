// The contract between calbroker's core and an upstream calendar provider. A provider is one
// folder under providers/, registered by name in providers/index.ts; the core never imports it.
import type { FastifyInstance } from 'fastify';

/** Cronofy's scope words: what an app may ask calbroker for. */
export const CALENDAR_SCOPES = [
  'read_account',
  'list_calendars',
  'read_events',
  'create_event',
  'delete_event',
  'read_free_busy',
] as const;
export type CalendarScope = (typeof CALENDAR_SCOPES)[number];

/** Upstream tokens as the core stores them (encrypted) and keeps fresh. */
export interface UpstreamTokens {
  accessToken: string;
  /** Absent when the provider did not send one; the core then keeps the one it has. */
  refreshToken?: string | undefined;
  expiresAt?: Date | undefined;
  /** The upstream's granted scope string, as it sent it. */
  scope: string;
}

export interface UpstreamIdentity {
  /** Stable id of the upstream account (OIDC `sub`). */
  subject: string;
  email?: string | undefined;
  name?: string | undefined;
  /** What apps see as `profile_name`: usually the email address. */
  profileName: string;
}

export interface AuthorizationStart {
  /** Where the user's browser goes next. */
  url: URL;
  /** Opaque to the core: kept with the state and handed back on the callback (PKCE verifier, nonce, ...). */
  pending: Record<string, string>;
}

export interface ConnectResult {
  identity: UpstreamIdentity;
  tokens: UpstreamTokens;
  /** Which calendar scopes the upstream actually granted (users can untick permissions). */
  grantedScopes: CalendarScope[];
}

/** The OAuth capability: connect an upstream account and keep its tokens alive. */
export interface OAuthConnector {
  startAuthorization(request: { state: string; redirectUri: string; scopes: CalendarScope[] }): Promise<AuthorizationStart>;
  /** Exchanges the callback's code. Throws UpstreamError('access_denied') when the user declined. */
  completeAuthorization(request: {
    /** The full URL the provider sent the user back to, query included. */
    callbackUrl: URL;
    state: string;
    pending: Record<string, string>;
  }): Promise<ConnectResult>;
  /** Throws UpstreamError('invalid_grant') when the refresh token is dead. */
  refresh(refreshToken: string): Promise<UpstreamTokens>;
  revoke?(token: string): Promise<void>;
}

export interface UpstreamCalendar {
  /** The provider's id; the core maps it to a stable calbroker calendar_id. */
  upstreamId: string;
  name: string;
  readonly: boolean;
  deleted: boolean;
  primary: boolean;
}

/** The calendar-listing capability. */
export interface CalendarReader {
  /** Every calendar of the account, all pages followed. Throws UpstreamError('unauthorized') on a dead access token. */
  listCalendars(accessToken: string): Promise<UpstreamCalendar[]>;
}

/** An all-day date (YYYY-MM-DD, end exclusive) or an instant (RFC 3339, UTC `Z`). */
export type EventTime = { date: string } | { time: string };

export type AttendeeStatus = 'needs_action' | 'accepted' | 'declined' | 'tentative' | 'unknown';

/** An upstream event, in the provider-neutral form the core formats into Cronofy's shape. */
export interface UpstreamEvent {
  upstreamId: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string | undefined;
  description?: string | undefined;
  location?: string | undefined;
  start: EventTime;
  end: EventTime;
  created?: string | undefined;
  updated?: string | undefined;
  transparency: 'opaque' | 'transparent';
  private: boolean;
  recurring: boolean;
  attendees: Array<{ email: string; displayName?: string | undefined; status: AttendeeStatus; self: boolean }>;
  organizer?: { email: string; displayName?: string | undefined; self: boolean } | undefined;
  /** Key-value marks the core stored on events it created (opaque to providers; kept privately upstream). */
  marks: Record<string, string>;
}

export interface EventQuery {
  from: Date;
  to: Date;
  includeDeleted: boolean;
  /** Only events modified at or after this instant (deleted ones included). */
  updatedSince?: Date | undefined;
}

/** The event-reading capability. */
export interface EventReader {
  /** Every event of the calendar overlapping the window, all upstream pages followed. */
  listEvents(accessToken: string, calendarUpstreamId: string, query: EventQuery): Promise<UpstreamEvent[]>;
}

/** A time to write: an all-day date, or a time (with offset, or local to `timeZone`). */
export type EventWriteTime = { date: string } | { time: string; timeZone: string };

export interface EventWrite {
  summary: string;
  description?: string | undefined;
  location?: string | undefined;
  start: EventWriteTime;
  end: EventWriteTime;
  transparency?: 'opaque' | 'transparent' | undefined;
  marks: Record<string, string>;
}

/**
 * Which event to touch: one the core manages, named by a stable key (hex, 64 characters) that the
 * adapter maps deterministically onto its own id rules; or an upstream event by its provider id.
 */
export type EventRef = { managedKey: string } | { upstreamId: string };

/** The event-writing capability. */
export interface EventWriter {
  /** Creates the managed event, or updates it when it exists: never a second copy. */
  upsertEvent(accessToken: string, calendarUpstreamId: string, managedKey: string, event: EventWrite): Promise<void>;
  /** Deletes the event; one that is already gone is not an error. */
  deleteEvent(accessToken: string, calendarUpstreamId: string, ref: EventRef): Promise<void>;
}

export interface BusyPeriod {
  calendarUpstreamId: string;
  start: string;
  end: string;
}

/** The free/busy capability. */
export interface FreeBusyReader {
  freeBusy(accessToken: string, calendarUpstreamIds: string[], from: Date, to: Date): Promise<BusyPeriod[]>;
}

export interface ProviderAdapter {
  /** URL-safe name used in paths and `provider_name` (e.g. the folder name). */
  readonly name: string;
  /** Shown to people on hosted pages. */
  readonly displayName: string;
  /**
   * The origin of the provider's sign-in page. The consent form's POST redirects there, and browsers
   * check that redirect against the page's CSP form-action, which allows only these origins.
   */
  readonly signInOrigin: string;
  /** A simulated provider (no real accounts): hosted pages say so. */
  readonly simulated?: boolean;
  /** Routes the provider serves inside calbroker itself (a simulated upstream), mounted by the core. */
  readonly server?: (app: FastifyInstance) => Promise<void>;
  readonly oauth: OAuthConnector;
  readonly calendars: CalendarReader;
  readonly events: EventReader & EventWriter;
  readonly freeBusy: FreeBusyReader;
}

export interface ProviderContext {
  /** calbroker's PUBLIC_URL; the provider sends users back to PUBLIC_URL/{name}/accounts/connect. */
  publicUrl: string;
  /** The core's keep-alive HTTP client with timeouts: every upstream request goes through it. */
  fetch: typeof globalThis.fetch;
  /** Running embedded (one process, no DATABASE_URL or REDIS_URL). */
  embedded: boolean;
  /** Where this calbroker instance reaches itself, for providers it serves itself. */
  selfUrl: string;
  /** A stable secret for `purpose`, the same on every instance (derived from ENCRYPTION_KEYS). */
  deriveSecret(purpose: string): string;
}

export interface ProviderFactory {
  readonly name: string;
  /** The environment variables this provider reads, for the README and error messages. */
  readonly settings: Array<{ name: string; description: string; default?: string }>;
  /**
   * Validates this provider's settings. Returns undefined when the provider is not configured
   * (disabled); throws ProviderConfigError naming the bad variable when it is misconfigured.
   */
  create(env: Record<string, string | undefined>, context: ProviderContext): ProviderAdapter | undefined;
}

export class ProviderConfigError extends Error {
  override name = 'ProviderConfigError';
}

export type UpstreamErrorKind =
  /** The user declined on the provider's consent screen. */
  | 'access_denied'
  /** The refresh token (or code) is dead: the user must connect again. */
  | 'invalid_grant'
  /** The access token was refused: refresh and retry once. */
  | 'unauthorized'
  /** Throttled; `retryAfter` seconds when the provider said. */
  | 'rate_limited'
  /** Timeouts, 5xx, connection failures: temporary. */
  | 'unavailable'
  /** The provider refused this operation on this resource (read-only calendar, missing permission). */
  | 'forbidden'
  /** The calendar or event does not exist (or no longer does). */
  | 'not_found'
  /** The provider answered something we cannot use. */
  | 'invalid_response';

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly options: { retryAfter?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UpstreamError';
  }
}
