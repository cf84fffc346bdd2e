// Events: storage helpers, time arithmetic, validation of event bodies and the served resource shape.
import { randomBytes } from 'node:crypto';
import type { FakeCalendar, FakeEvent, FakeEventDateTime, FakeState } from './state.js';
import { isObject, type JsonObject } from './api.js';

/** Google's client-chosen event id alphabet: base32hex, lower case. */
export const EVENT_ID = /^[a-v0-9]{5,1024}$/;
const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

export function randomEventId(): string {
  let out = '';
  for (const b of randomBytes(26)) out += BASE32HEX[b & 31];
  return out;
}

let etagSeq = 0;
/** Google's event etags are quoted decimal numbers that change on every write. */
export const nextEtag = () => `"${BigInt(Date.now()) * 1000n + BigInt(etagSeq++ % 1000)}"`;

const nowIso = () => new Date().toISOString();

// --- time --------------------------------------------------------------------

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Milliseconds for an RFC 3339 timestamp with a mandatory offset, or undefined. */
export function parseRfc3339(s: unknown): number | undefined {
  if (typeof s !== 'string' || !RFC3339.test(s)) return undefined;
  const t = Date.parse(s.toUpperCase());
  return Number.isNaN(t) ? undefined : t;
}

/** `2026-11-24T09:00:00Z` (seconds precision, as freeBusy answers). */
export const utcSeconds = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Offset of `tz` from UTC at instant `t`, in ms. */
export function zoneOffset(t: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(t));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(t / 1000) * 1000;
}

/** RFC 3339 with the offset of `tz` at that instant (seconds precision), e.g. `2026-11-24T10:00:00+01:00`. */
export function formatInZone(t: number, tz: string): string {
  const offset = zoneOffset(t, tz);
  if (offset === 0) return utcSeconds(t);
  const local = utcSeconds(t + offset).slice(0, -1);
  const abs = Math.abs(offset) / 60000;
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The instant an event boundary stands for: `date` is midnight UTC, `dateTime` with an offset is that instant,
 * `dateTime` without one is wall time in `timeZone`.
 */
export function instantOf(dt: FakeEventDateTime): number {
  if (dt.dateTime !== undefined) {
    const withOffset = parseRfc3339(dt.dateTime);
    if (withOffset !== undefined) return withOffset;
    const asUtc = Date.parse(`${dt.dateTime}Z`);
    const tz = dt.timeZone ?? 'UTC';
    const guess = asUtc - zoneOffset(asUtc, tz);
    return asUtc - zoneOffset(guess, tz);
  }
  return Date.parse(`${dt.date ?? ''}T00:00:00Z`);
}

// --- validation ----------------------------------------------------------------

export interface BodyError {
  code: number;
  reason: string;
  message: string;
}

function checkBoundary(v: unknown, which: 'start' | 'end'): BodyError | undefined {
  if (!isObject(v) || (v.date == null && v.dateTime == null)) {
    return { code: 400, reason: 'required', message: `Missing ${which} time.` };
  }
  const invalid = { code: 400, reason: 'invalid', message: `Invalid ${which} time.` };
  if (v.timeZone != null && (typeof v.timeZone !== 'string' || !validTimeZone(v.timeZone))) {
    return { ...invalid, message: `Invalid time zone definition for ${which} time.` };
  }
  if (v.dateTime != null) {
    if (typeof v.dateTime !== 'string') return invalid;
    if (parseRfc3339(v.dateTime) !== undefined) return undefined;
    if (!LOCAL_DATE_TIME.test(v.dateTime) || Number.isNaN(Date.parse(`${v.dateTime}Z`))) return invalid;
    if (v.timeZone == null) return { code: 400, reason: 'required', message: `Missing time zone definition for ${which} time.` };
    return undefined;
  }
  if (typeof v.date !== 'string' || !DATE.test(v.date) || Number.isNaN(Date.parse(`${v.date}T00:00:00Z`))) return invalid;
  return undefined;
}

const STATUSES = ['confirmed', 'tentative', 'cancelled'];
const TRANSPARENCIES = ['opaque', 'transparent'];
const VISIBILITIES = ['default', 'public', 'private', 'confidential'];

/** Validates a complete event (after merging, for PATCH). The end is checked first, as Google does. */
export function validateEvent(e: JsonObject): BodyError | undefined {
  const boundary = checkBoundary(e.end, 'end') ?? checkBoundary(e.start, 'start');
  if (boundary) return boundary;
  const start = e.start as FakeEventDateTime;
  const end = e.end as FakeEventDateTime;
  if ((start.dateTime == null) !== (end.dateTime == null)) {
    return { code: 400, reason: 'invalid', message: 'Start and end times must either both be date or both be dateTime.' };
  }
  const empty = start.dateTime == null ? instantOf(end) <= instantOf(start) : instantOf(end) < instantOf(start);
  if (empty) return { code: 400, reason: 'timeRangeEmpty', message: 'The specified time range is empty.' };
  const enumError = (field: string, allowed: string[]) =>
    e[field] != null && !allowed.includes(e[field] as string)
      ? { code: 400, reason: 'invalid', message: `Invalid value for: ${field}` }
      : undefined;
  return enumError('status', STATUSES) ?? enumError('transparency', TRANSPARENCIES) ?? enumError('visibility', VISIBILITIES);
}

// --- storage and shape -----------------------------------------------------------

/** Fields the client cannot set (Google ignores them in request bodies). */
const READ_ONLY = ['kind', 'etag', 'id', 'htmlLink', 'created', 'updated', 'creator', 'iCalUID'];

/** A request body without read-only fields and without explicit nulls (Google treats null as "clear"). */
export function writableFields(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) if (!READ_ONLY.includes(k) && v !== null) out[k] = v;
  return out;
}

/** PATCH semantics: top-level fields of `body` replace those of `prev`; null removes one. */
export function patched(prev: FakeEvent, body: JsonObject): JsonObject {
  const next: JsonObject = { ...prev, ...writableFields(body) };
  for (const [k, v] of Object.entries(body)) if (v === null && !READ_ONLY.includes(k)) delete next[k];
  return next;
}

/** Stores a new event, filling what Google fills. Fields given in `event` win (so tests can back-date). */
export function storeNewEvent(
  state: FakeState,
  sub: string,
  calendarId: string,
  event: Partial<FakeEvent> & Pick<FakeEvent, 'start' | 'end'>,
): FakeEvent {
  const store = state.eventStore(sub, calendarId);
  const id = event.id ?? randomEventId();
  if (store.has(id)) throw new Error(`fake-google: event ${id} already exists in ${calendarId}`);
  const now = nowIso();
  const stored: FakeEvent = {
    ...event,
    id,
    status: event.status ?? 'confirmed',
    created: event.created ?? now,
    updated: event.updated ?? now,
    iCalUID: event.iCalUID ?? `${id}@google.com`,
    etag: event.etag ?? nextEtag(),
  };
  store.set(id, stored);
  return stored;
}

/** Replaces the stored event with `next`, keeping what Google keeps and bumping updated and etag. */
export function storeReplacement(state: FakeState, sub: string, calendarId: string, prev: FakeEvent, next: JsonObject): FakeEvent {
  const replaced = {
    ...next,
    id: prev.id,
    created: prev.created,
    iCalUID: prev.iCalUID,
    updated: nowIso(),
    etag: nextEtag(),
  } as FakeEvent;
  state.eventStore(sub, calendarId).set(prev.id, replaced);
  return replaced;
}

export function markCancelled(event: FakeEvent) {
  event.status = 'cancelled';
  event.updated = nowIso();
  event.etag = nextEtag();
}

/** Google's htmlLink: `eid` is base64 of "<event id> <calendar id>", unpadded. */
export function htmlLink(calendarId: string, eventId: string): string {
  const eid = Buffer.from(`${eventId} ${calendarId}`).toString('base64').replace(/=+$/, '');
  return `https://www.google.com/calendar/event?eid=${encodeURIComponent(eid)}`;
}

/** The event as served: full resource, or (freeBusyReader) only what free/busy reveals. */
export function eventResource(cal: FakeCalendar, e: FakeEvent): JsonObject {
  if (cal.accessRole === 'freeBusyReader') {
    return {
      id: e.id,
      status: e.status,
      start: e.start,
      end: e.end,
      ...(e.transparency !== undefined ? { transparency: e.transparency } : {}),
    };
  }
  const { etag, id, status, created, updated, ...rest } = e;
  return { kind: 'calendar#event', etag, id, status, htmlLink: htmlLink(cal.id, id), created, updated, ...rest };
}
