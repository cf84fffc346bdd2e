// POST and DELETE /v1/calendars/{calendar_id}/events: upsert by the app's event_id, delete by
// event_id or event_uid. Both answer 202 Accepted, as Cronofy does.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EventRef } from '../../../providers/index.js';
import { parseEventUpsert } from '../../calendar/event-write.js';
import { managedKey, managedMarks, upstreamIdFromUid } from '../../calendar/events.js';
import { FieldErrors } from '../../calendar/validation.js';
import { ApiError } from '../../errors.js';
import { findAccountCalendar } from '../../storage/calendars.js';
import { ProfileDisconnectedError, type UpstreamAccess } from '../../upstream/access.js';

type CalendarRequest = FastifyRequest<{ Params: { calendar_id: string } }>;

export async function eventWriteRoutes(app: FastifyInstance, { upstream }: { upstream: UpstreamAccess }) {
  /** The calendar, if it is the token's account's and can be written to. Checked before any upstream call. */
  async function writableCalendar(request: CalendarRequest) {
    const found = await findAccountCalendar(app.db, request.bearer.grant.accountId, request.params.calendar_id);
    const provider = found && app.providers.get(found.profile.providerName);
    if (!found || !provider) {
      throw new ApiError(404, { error: 'not_found', message: `No calendar ${request.params.calendar_id} in this account` });
    }
    if (found.calendar.deleted) new FieldErrors().add('calendar_id', 'deleted_calendar', 'the calendar has been deleted').throwIfAny();
    if (found.calendar.readonly) new FieldErrors().add('calendar_id', 'read_only_calendar', 'the calendar is read-only').throwIfAny();
    if (!found.profile.connected) throw new ProfileDisconnectedError(found.profile);
    return { ...found, provider };
  }

  app.post<{ Params: { calendar_id: string } }>(
    '/v1/calendars/:calendar_id/events',
    { config: { errorStyle: 'api', scope: 'create_event' } },
    async (request, reply) => {
      const { calendar, profile, provider } = await writableCalendar(request);
      const { eventId, write } = parseEventUpsert(request.body);
      const appId = request.bearer.grant.appId;
      // Keyed by (app, calendar, event_id), so a repeat (or a retry) updates the same upstream event.
      await upstream.call(
        profile,
        provider,
        (token) =>
          provider.events.upsertEvent(token, calendar.upstreamId, managedKey(appId, calendar.id, eventId), {
            ...write,
            marks: managedMarks(appId, eventId),
          }),
        { idempotent: true },
      );
      return reply.code(202).send();
    },
  );

  app.delete<{ Params: { calendar_id: string } }>(
    '/v1/calendars/:calendar_id/events',
    { config: { errorStyle: 'api', scope: 'delete_event' } },
    async (request, reply) => {
      const { calendar, profile, provider } = await writableCalendar(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      let ref: EventRef | undefined;
      if (typeof body.event_id === 'string' && body.event_id) {
        ref = { managedKey: managedKey(request.bearer.grant.appId, calendar.id, body.event_id) };
      } else if (typeof body.event_uid === 'string') {
        const upstreamId = upstreamIdFromUid(body.event_uid);
        if (!upstreamId) new FieldErrors().add('event_uid', 'invalid', 'is not an event_uid calbroker issued').throwIfAny();
        ref = { upstreamId: upstreamId! };
      } else {
        new FieldErrors().add('event_id', 'required', 'event_id or event_uid is required').throwIfAny();
      }
      // Deleting is idempotent: an event already gone also answers 202.
      await upstream.call(profile, provider, (token) => provider.events.deleteEvent(token, calendar.upstreamId, ref!), { idempotent: true });
      return reply.code(202).send();
    },
  );
}
