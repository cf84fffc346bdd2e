// One app's dashboard page: client id, secret, redirect URIs, verification, connected accounts, deletion.
import { html, type Html } from '../../http/html.js';
import { isPublicClient } from '../../storage/apps.js';
import type { AppConnections, ConnectedAccount, ConnectedProfile } from '../../storage/dashboard.js';
import type { App } from '../../storage/schema.js';
import { csrfField, dashboardFrame, messages } from './pages.js';

export interface AppPageInput {
  csrfToken: string;
  app: App;
  connections: AppConnections;
  /** A secret just created or rotated: rendered on this response only, never stored or shown again. */
  newSecret?: { value: string; reason: 'created' | 'rotated' } | undefined;
  notice?: string | undefined;
  error?: string | undefined;
  /** The redirect URI text as the operator typed it, when it has to be corrected. */
  redirectUrisText?: string | undefined;
}

function newSecretBox(secret: NonNullable<AppPageInput['newSecret']>): Html {
  return html`<section class="card" aria-labelledby="new-secret">
  <h2 id="new-secret">${secret.reason === 'created' ? 'Client secret' : 'New client secret'}</h2>
  <p class="warning"><strong>Copy it now.</strong> calbroker stores only a hash of it and will not show it again.</p>
  <code class="copyable" id="client_secret">${secret.value}</code>
  ${secret.reason === 'rotated' ? html`<p class="muted">The previous secret keeps working until the next rotation, so the app can switch over without downtime.</p>` : ''}
</section>`;
}

function secretSection(input: AppPageInput): Html {
  const { app } = input;
  const path = `/dashboard/apps/${app.id}`;
  if (isPublicClient(app)) {
    return html`<section class="card"><h2>Client secret</h2><p>This is a public client: it has no secret and must use PKCE.</p></section>`;
  }
  return html`<section class="card">
  <h2>Client secret</h2>
  <p class="muted">Stored as a hash, so it cannot be shown again. Rotating makes a new one; the current one stays valid until the rotation after.</p>
  <form method="post" action="${path}/secret">${csrfField(input.csrfToken)}<button type="submit">Rotate secret</button></form>
</section>`;
}

function profileItem(profile: ConnectedProfile): Html {
  return html`<li>${profile.profileName} <span class="muted">(${profile.providerName}, <code>${profile.id}</code>)</span> ${
    profile.connected ? html`<span class="status connected">connected</span>` : html`<span class="status relink">needs relink</span>`
  }</li>`;
}

function accountItem(account: ConnectedAccount): Html {
  return html`<li class="card">
  <h3>${account.name || account.email || account.id}</h3>
  <div class="muted">${account.email ?? ''} <code>${account.id}</code> · access since ${account.firstGrantedAt.toISOString().slice(0, 10)}</div>
  ${account.profiles.length === 0 ? html`<p class="muted">No profiles.</p>` : html`<ul class="plain">${account.profiles.map(profileItem)}</ul>`}
</li>`;
}

function connectionsSection(connections: AppConnections): Html {
  const shown = connections.accounts.length;
  return html`<section>
  <h2>Connected accounts (${connections.total})</h2>
  ${shown === 0 ? html`<p class="muted">No account has connected to this app yet.</p>` : html`<ul class="plain">${connections.accounts.map(accountItem)}</ul>`}
  ${connections.total > shown ? html`<p class="muted">Showing the first ${shown} of ${connections.total} accounts.</p>` : ''}
</section>`;
}

export function appPage(input: AppPageInput): Html {
  const { app, csrfToken } = input;
  const path = `/dashboard/apps/${app.id}`;
  return dashboardFrame(
    html`<p><a href="/dashboard">← All apps</a></p>
<h1>${app.name} ${app.verified ? html`<span class="status verified">verified</span>` : html`<span class="status unverified">not verified</span>`}</h1>
${messages(input)}
${input.newSecret ? newSecretBox(input.newSecret) : ''}
<section class="card">
  <h2>Client</h2>
  <p>Client id<code class="copyable" id="client_id">${app.id}</code></p>
  <p class="muted">${isPublicClient(app) ? 'Public client' : `Confidential client (${app.tokenEndpointAuthMethod})`} · refresh tokens ${
    app.rotateRefreshTokens || isPublicClient(app) ? 'rotate' : 'are stable'
  } · created ${app.createdAt.toISOString().slice(0, 10)}</p>
</section>
${secretSection(input)}
<section class="card">
  <h2>Redirect URIs</h2>
  <form method="post" action="${path}/redirect-uris">
    ${csrfField(csrfToken)}
    <label for="redirect_uris">One per line; compared byte for byte with the app's authorize requests</label>
    <textarea id="redirect_uris" name="redirect_uris" required>${input.redirectUrisText ?? app.redirectUris.join('\n')}</textarea>
    <button type="submit">Save redirect URIs</button>
  </form>
</section>
<section class="card">
  <h2>Verification</h2>
  <p>${app.verified ? 'Users see no warning on this app’s consent page.' : 'Users are warned on the consent page that this app is not verified.'}</p>
  <form method="post" action="${path}/verified">
    ${csrfField(csrfToken)}
    <input type="hidden" name="verified" value="${app.verified ? 'false' : 'true'}">
    <button type="submit">${app.verified ? 'Remove verified mark' : 'Mark verified'}</button>
  </form>
</section>
${connectionsSection(input.connections)}
<section class="card">
  <h2>Delete this app</h2>
  <p>Every grant and token the app holds is revoked at once. Accounts and profiles stay for other apps.</p>
  <form method="post" action="${path}/delete">
    ${csrfField(csrfToken)}
    <p><input type="checkbox" id="confirm" name="confirm" value="yes" required> <label class="inline" for="confirm">Yes, delete ${app.name}</label></p>
    <button class="danger" type="submit">Delete app</button>
  </form>
</section>`,
    csrfToken,
  );
}
