// Cronofy's event and free/busy shapes for /v1. Route schemas and TypeScript types both come from here.
import { Type, type Static } from '@sinclair/typebox';

const Person = Type.Object({ email: Type.String(), display_name: Type.String() });

export const CronofyEvent = Type.Object({
  calendar_id: Type.String(),
  event_uid: Type.String(),
  event_id: Type.Optional(Type.String()),
  summary: Type.String(),
  description: Type.String(),
  start: Type.String(),
  end: Type.String(),
  deleted: Type.Boolean(),
  created: Type.Optional(Type.String()),
  updated: Type.Optional(Type.String()),
  location: Type.Optional(Type.Object({ description: Type.String() })),
  participation_status: Type.String(),
  attendees: Type.Array(Type.Object({ email: Type.String(), display_name: Type.String(), status: Type.String() })),
  organizer: Type.Optional(Person),
  transparency: Type.String(),
  status: Type.String(),
  categories: Type.Array(Type.String()),
  recurring: Type.Boolean(),
  event_private: Type.Boolean(),
  options: Type.Object({ delete: Type.Boolean(), update: Type.Boolean(), change_participation_status: Type.Boolean() }),
});
export type CronofyEvent = Static<typeof CronofyEvent>;

export const FreeBusyPeriod = Type.Object({
  calendar_id: Type.String(),
  start: Type.String(),
  end: Type.String(),
  free_busy_status: Type.String(),
});
export type FreeBusyPeriod = Static<typeof FreeBusyPeriod>;

export const Pages = Type.Object({
  current: Type.Integer({ description: 'This page, from 1.' }),
  total: Type.Integer({ description: 'How many pages there are.' }),
  next_page: Type.Optional(Type.String({ description: 'The absolute URL of the next page, absent on the last; fetch it with the same access token.' })),
});

export const EventsPage = Type.Object({ pages: Pages, events: Type.Array(CronofyEvent) });
export const FreeBusyPage = Type.Object({ pages: Pages, free_busy: Type.Array(FreeBusyPeriod) });
