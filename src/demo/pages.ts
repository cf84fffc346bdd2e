// The demo app's pages.
import { html, type Html } from '../http/html.js';

export interface DemoEvent {
  summary: string;
  start: string;
  end: string;
  calendar_id: string;
}

export interface DemoCalendar {
  calendar_id: string;
  calendar_name: string;
  calendar_readonly: boolean;
  profile_name: string;
}

export function startPage(authorizeHref: string, providerName: string): Html {
  return html`
<h1>calbroker demo</h1>
<p>This page is a small app that uses calbroker the way your app would: it sends you to calbroker's consent page,
gets a code back, redeems it for tokens, and reads your calendars through the Cronofy-compatible API.</p>
<p>The <strong>${providerName}</strong> provider is simulated: sign in with any name and email to get sample calendars.</p>
<p><a class="button primary" href="${authorizeHref}">Connect a calendar</a></p>`;
}

export function resultPage(input: { calendars: DemoCalendar[]; events: DemoEvent[]; tokenResponse: unknown; curl: string[] }): Html {
  const names = new Map(input.calendars.map((c) => [c.calendar_id, c.calendar_name]));
  return html`
<h1>Connected</h1>
<p>The demo app redeemed its code and called <code>/v1/calendars</code> and <code>/v1/events</code> with the access token.</p>
<h2>Calendars</h2>
<ul>${input.calendars.map((c) => html`<li>${c.calendar_name}${c.calendar_readonly ? ' (read-only)' : ''} <span class="muted">${c.profile_name}</span></li>`)}</ul>
<h2>The next 7 days</h2>
${input.events.length === 0 ? html`<p>No events.</p>` : ''}
<ul class="events">${input.events.map((e) => html`<li><strong>${e.summary || '(no title)'}</strong><br><span class="muted">${e.start} – ${e.end} · ${names.get(e.calendar_id) ?? ''}</span></li>`)}</ul>
<h2>The token response</h2>
<pre>${JSON.stringify(input.tokenResponse, null, 2)}</pre>
<h2>Try it with curl</h2>
<pre>${input.curl.join('\n\n')}</pre>
<p><a href="/demo">Start again</a></p>`;
}

export function errorPage(error: string, description: string): Html {
  return html`<h1>Not connected</h1><p>calbroker answered <code>${error}</code>: ${description}</p><p><a href="/demo">Try again</a></p>`;
}
