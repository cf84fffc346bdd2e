// Google Calendar API v3 calls, with Google's error shapes mapped onto the contract's kinds.
import { UpstreamError, type CalendarReader, type UpstreamCalendar } from '../contract.js';

const TIMEOUT_MS = 10_000;
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

interface GoogleErrorBody {
  error?: { code?: number; message?: string; errors?: Array<{ reason?: string }> };
}

interface CalendarListEntry {
  id: string;
  summary?: string;
  summaryOverride?: string;
  accessRole?: string;
  primary?: boolean;
  deleted?: boolean;
}

interface CalendarListPage {
  items?: CalendarListEntry[];
  nextPageToken?: string;
}

function retryAfterSeconds(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? seconds : undefined;
}

async function errorFor(response: Response): Promise<UpstreamError> {
  const body = (await response.json().catch(() => ({}))) as GoogleErrorBody;
  const reason = body.error?.errors?.[0]?.reason ?? '';
  const message = `Google Calendar API: HTTP ${response.status} ${reason}`.trim();
  const options = { status: response.status, retryAfter: retryAfterSeconds(response) };
  if (response.status === 401) return new UpstreamError('unauthorized', message, options);
  if (response.status === 429 || (response.status === 403 && RATE_LIMIT_REASONS.has(reason))) {
    return new UpstreamError('rate_limited', message, options);
  }
  if (response.status >= 500) return new UpstreamError('unavailable', message, options);
  return new UpstreamError('invalid_response', message, options);
}

export function googleCalendarApi(apiUrl: URL): CalendarReader {
  const base = apiUrl.href.replace(/\/+$/, '');

  async function getJson<T>(path: string, accessToken: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new UpstreamError('unavailable', 'Google Calendar API unreachable', { cause: error });
    }
    if (!response.ok) throw await errorFor(response);
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new UpstreamError('invalid_response', 'Google Calendar API sent a body that is not JSON', { cause: error });
    }
  }

  return {
    async listCalendars(accessToken) {
      const calendars: UpstreamCalendar[] = [];
      let pageToken: string | undefined;
      // Pages may be short or empty: only the absence of nextPageToken ends the list.
      do {
        const query = new URLSearchParams({ maxResults: '250', showDeleted: 'true' });
        if (pageToken) query.set('pageToken', pageToken);
        const page = await getJson<CalendarListPage>(`/calendar/v3/users/me/calendarList?${query}`, accessToken);
        for (const entry of page.items ?? []) {
          calendars.push({
            upstreamId: entry.id,
            name: entry.summaryOverride ?? entry.summary ?? entry.id,
            readonly: entry.accessRole !== 'owner' && entry.accessRole !== 'writer',
            deleted: entry.deleted === true,
            primary: entry.primary === true,
          });
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      return calendars;
    },
  };
}
