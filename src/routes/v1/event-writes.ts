// POST and DELETE /v1/calendars/{calendar_id}/events: upsert by the app's event_id, delete by
// event_id or event_uid. Both answer 202 Accepted, as Cronofy does.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EventRef } from '../../../providers/index.js';
import { parseEventUpsert } from '../../calendar/event-write.js';
import { managedKey, managedMarks, upstreamIdFromUid } from '../../calendar/events.js';
import { FieldErrors } from '../../calendar/validation.js';
import { ApiError } from '../../errors.js';
import { findAccountCalendar } from '../../storage/calendars.js';
import { ProfileDisconnectedError, type UpstreamAccess } from '../../upstream/access.js';
import { EventDeleteRequest, EventUpsertRequest } from '../../schemas/requests.js';
import { API_ERRORS, apiError, noBody, PROFILE_DISCONNECTED, SCOPE_ERROR, validationErrors } from '../../schemas/responses.js';

type CalendarRequest = FastifyRequest<{ Params: { calendar_id: string } }>;

const CalendarParams = Type.Object({ calendar_id: Type.String({ description: 'The calendar, from `/v1/calendars`.' }) });
const WRITE_ERRORS = {
  ...API_ERRORS,
  ...SCOPE_ERROR,
  ...PROFILE_DISCONNECTED,
  404: apiError('No such calendar in this account (`not_found`).'),
};

// The bodies are read by parseEventUpsert and the delete handler, not validated by fastify: errors must stay Cronofy's 422s.
const upsertSchema = {
  summary: 'Create or update an event',
  description:
    "Upserts by the app's `event_id`: posting the same event_id again updates the one event, even after a delete. " +
    'Read-only and deleted calendars, and invalid bodies, get 422.',
  tags: ['Calendar API'],
  params: CalendarParams,
  documentation: {
    body: EventUpsertRequest,
    response: { 202: noBody('Accepted: the event was written.'), ...WRITE_ERRORS, 422: validationErrors('The body or the calendar was refused.') },
  },
};

const deleteSchema = {
  summary: 'Delete an event',
  description: 'Deletes by `event_id` (an event the app created) or `event_uid`. Answers 202 also when the event is already gone.',
  tags: ['Calendar API'],
  params: CalendarParams,
  documentation: {
    body: EventDeleteRequest,
    response: { 202: noBody('Accepted: the event is gone.'), ...WRITE_ERRORS, 422: validationErrors('Neither event_id nor a valid event_uid was given, or the calendar is read-only or deleted.') },
  },
};

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
    { config: { errorStyle: 'api', scope: 'create_event' }, schema: upsertSchema },
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
    { config: { errorStyle: 'api', scope: 'delete_event' }, schema: deleteSchema },
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
