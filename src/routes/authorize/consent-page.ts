// The hosted consent page: a plain form that works without JavaScript.
import type { ProviderAdapter } from '../../../providers/index.js';
import { html, type Html } from '../../http/html.js';
import { SCOPE_DESCRIPTIONS } from '../../oauth/scopes.js';
import type { PendingAuthorization } from '../../oauth/flow-state.js';
import type { App } from '../../storage/schema.js';

export function consentPage(input: {
  client: App;
  authorizationId: string;
  authorization: PendingAuthorization;
  providers: ProviderAdapter[];
}): Html {
  const { client, authorizationId, authorization, providers } = input;
  const host = new URL(authorization.redirectUri).host;
  return html`
<h1>${client.name} wants to access your calendar</h1>
${client.verified ? '' : html`<p class="warning" role="alert"><strong>This application is not verified.</strong> calbroker has not checked who runs it. Only continue if you trust ${client.name}.</p>`}
<p>If you continue, <strong>${client.name}</strong> will be able to:</p>
<ul class="scopes">${authorization.scope.map((scope) => html`<li>${SCOPE_DESCRIPTIONS[scope]}</li>`)}</ul>
<form method="post" action="/oauth/authorize">
  <input type="hidden" name="authorization_id" value="${authorizationId}">
  <input type="hidden" name="csrf_token" value="${authorization.csrfToken}">
  <p>Connect your calendar account:</p>
  ${providers.map((p) => html`<button class="primary" type="submit" name="provider" value="${p.name}">Continue with ${p.displayName}${p.simulated ? ' (simulated)' : ''}</button>`)}
  ${providers.some((p) => p.simulated) ? html`<p class="muted">Simulated providers use sample calendars, not a real account.</p>` : ''}
  <button type="submit" name="decision" value="deny">Cancel</button>
</form>
<p class="muted">You will be sent back to ${host} afterwards. You can disconnect at any time.</p>`;
}
