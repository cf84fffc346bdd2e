// Cronofy scope words <-> Google OAuth scopes.
import type { CalendarScope } from '../contract.js';

const G = 'https://www.googleapis.com/auth/';
const CALENDAR_LIST = `${G}calendar.calendarlist.readonly`;

/** The narrowest Google scopes that serve each Cronofy scope. Every calendar call first lists the calendars. */
const NEEDS: Record<CalendarScope, string[]> = {
  read_account: [],
  list_calendars: [CALENDAR_LIST],
  read_events: [CALENDAR_LIST, `${G}calendar.events.readonly`],
  read_free_busy: [CALENDAR_LIST, `${G}calendar.freebusy`],
  create_event: [CALENDAR_LIST, `${G}calendar.events`],
  delete_event: [CALENDAR_LIST, `${G}calendar.events`],
};

/** Broader Google scopes that include narrower ones (include_granted_scopes may return these). */
const INCLUDES: Record<string, string[]> = {
  [`${G}calendar`]: [CALENDAR_LIST, `${G}calendar.readonly`, `${G}calendar.events`, `${G}calendar.events.readonly`, `${G}calendar.freebusy`],
  [`${G}calendar.readonly`]: [CALENDAR_LIST, `${G}calendar.events.readonly`, `${G}calendar.freebusy`],
  [`${G}calendar.events`]: [`${G}calendar.events.readonly`],
};

export function googleScopesFor(scopes: CalendarScope[]): string {
  const wanted = new Set(['openid', 'email', 'profile']);
  for (const scope of scopes) for (const g of NEEDS[scope]) wanted.add(g);
  return [...wanted].join(' ');
}

/** Which of the requested Cronofy scopes Google actually granted (the user may untick some). */
export function grantedCalendarScopes(requested: CalendarScope[], grantedScope: string): CalendarScope[] {
  const granted = new Set<string>();
  for (const scope of grantedScope.split(' ').filter(Boolean)) {
    granted.add(scope);
    for (const included of INCLUDES[scope] ?? []) granted.add(included);
  }
  return requested.filter((scope) => NEEDS[scope].every((g) => granted.has(g)));
}
