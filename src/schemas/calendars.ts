// Cronofy's calendar shapes for /v1. Route schemas and TypeScript types both come from here.
import { Type, type Static } from '@sinclair/typebox';

export const Calendar = Type.Object({
  provider_name: Type.String(),
  profile_id: Type.String(),
  profile_name: Type.String(),
  calendar_id: Type.String(),
  calendar_name: Type.String(),
  calendar_readonly: Type.Boolean(),
  calendar_deleted: Type.Boolean(),
  calendar_primary: Type.Boolean(),
  calendar_integrated_conferencing_available: Type.Boolean(),
  calendar_attachments_available: Type.Boolean(),
  permission_level: Type.Union([Type.Literal('unrestricted'), Type.Literal('sandbox')]),
});
export type Calendar = Static<typeof Calendar>;

export const CalendarList = Type.Object({ calendars: Type.Array(Calendar) });
export type CalendarList = Static<typeof CalendarList>;
