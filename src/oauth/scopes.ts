// Cronofy's scope words, as apps request them and as tokens carry them.
import { CALENDAR_SCOPES, type CalendarScope } from '../../providers/index.js';
import { InvalidScope } from '../errors.js';

const KNOWN = new Set<string>(CALENDAR_SCOPES);

/** What each scope lets an app do, in words for the consent page. */
export const SCOPE_DESCRIPTIONS: Record<CalendarScope, string> = {
  read_account: 'See your name, email address and time zone',
  list_calendars: 'See the list of your calendars',
  read_events: 'See the events in your calendars',
  read_free_busy: 'See when you are free or busy',
  create_event: 'Create and update events in your calendars',
  delete_event: 'Delete events in your calendars',
};

/** Parses a space-separated scope parameter; unknown words are invalid_scope. Order is canonical, duplicates dropped. */
export function parseScope(value: string | undefined): CalendarScope[] {
  const words = (value ?? '').split(' ').filter(Boolean);
  if (words.length === 0) throw new InvalidScope('scope is required: a space-separated list of ' + CALENDAR_SCOPES.join(', '));
  const unknown = words.filter((w) => !KNOWN.has(w));
  if (unknown.length > 0) throw new InvalidScope(`Unknown scope: ${unknown.join(', ')}`);
  return CALENDAR_SCOPES.filter((s) => words.includes(s));
}

export function formatScope(scopes: readonly CalendarScope[]): string {
  return CALENDAR_SCOPES.filter((s) => scopes.includes(s)).join(' ');
}

/** Whether a granted scope string allows `needed`. read_events implies read_free_busy, as at Cronofy. */
export function scopeAllows(granted: string, needed: CalendarScope): boolean {
  const words = granted.split(' ');
  return words.includes(needed) || (needed === 'read_free_busy' && words.includes('read_events'));
}
