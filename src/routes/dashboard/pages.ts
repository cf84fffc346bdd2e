// The dashboard's frame, sign-in page and app list: plain forms that work without JavaScript,
// laid out to fit a phone. Every value goes through `html`, so nothing an app registered can become markup.
import { html, Html } from '../../http/html.js';
import type { App } from '../../storage/schema.js';

// Added after sendPage's base style (inline styles are what its CSP allows); widens the page for lists.
const DASHBOARD_STYLE = `
body{max-width:60rem}
.bar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between;border-bottom:1px solid #d0d7de;margin-bottom:1rem}
.bar a{color:inherit;text-decoration:none;font-weight:600}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
.card h2,.card h3{margin:.2rem 0;font-size:1.1rem;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin-top:.75rem}
label.inline{display:inline;font-weight:400;margin:0}
input[type=text],input[type=password],textarea{display:block;width:100%;box-sizing:border-box;font-size:1rem;padding:.5rem;border:1px solid #8c959f;border-radius:6px}
textarea{min-height:6rem;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
.copyable{display:block;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.5rem;margin:.5rem 0;user-select:all}
.error{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:.75rem}
.notice{background:#dafbe1;border:1px solid #4ac26b;border-radius:6px;padding:.75rem}
.status{display:inline-block;font-size:.85rem;padding:0 .5rem;border-radius:1rem;border:1px solid currentColor}
.connected,.verified{color:#1a7f37}.relink,.unverified{color:#9a6700}
button.danger{border-color:#cf222e;color:#cf222e}
ul.plain{list-style:none;padding:0;margin:.3rem 0}ul.plain li{margin:.3rem 0}
form.inline{display:inline}
@media (max-width:32rem){body{margin:1rem auto}button{width:100%;margin:.3rem 0}form.inline{display:block}}`;

/** Flash messages after a redirect are named, never reflected: a query can only pick one of these. */
export const NOTICES: Record<string, string> = {
  'signed-out': 'You have signed out.',
  deleted: 'The app was deleted, with every grant and token it held.',
  'redirect-uris-saved': 'Redirect URIs saved.',
  verified: 'The app is now marked verified: its consent page shows no warning.',
  unverified: 'The app is no longer marked verified: its consent page warns users again.',
};

export function noticeFor(query: unknown): string | undefined {
  const key = (query as Record<string, unknown> | undefined)?.notice;
  return typeof key === 'string' && Object.hasOwn(NOTICES, key) ? NOTICES[key] : undefined;
}

/** The hidden field every state-changing form carries. */
export function csrfField(csrfToken: string): Html {
  return html`<input type="hidden" name="csrf_token" value="${csrfToken}">`;
}

export function messages(input: { notice?: string | undefined; error?: string | undefined }): Html {
  return html`${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}${
    input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''
  }`;
}

/** The frame of every dashboard page; signed-in pages get the sign-out button. */
export function dashboardFrame(content: Html, csrfToken?: string): Html {
  return html`<style>${new Html(DASHBOARD_STYLE)}</style>
<div class="bar"><a href="/dashboard">calbroker dashboard</a>${
    csrfToken
      ? html`<form class="inline" method="post" action="/dashboard/sign-out">${csrfField(csrfToken)}<button type="submit">Sign out</button></form>`
      : ''
  }</div>
<main>${content}</main>`;
}

export function signInPage(input: { error?: string; notice?: string } = {}): Html {
  return dashboardFrame(html`<h1>Sign in</h1>
${messages(input)}
<form method="post" action="/dashboard/sign-in">
  <label for="token">Admin token</label>
  <input type="password" id="token" name="token" autocomplete="current-password" required>
  <p class="muted">The value of <code>ADMIN_TOKEN</code> on this server.</p>
  <button class="primary" type="submit">Sign in</button>
</form>`);
}

/** What the operator typed into the create form, kept when it has to be shown again. */
export interface NewAppForm {
  name: string;
  redirectUris: string;
  publicClient: boolean;
}

export const EMPTY_NEW_APP: NewAppForm = { name: '', redirectUris: '', publicClient: false };

function verifiedStatus(app: App): Html {
  return app.verified ? html`<span class="status verified">verified</span>` : html`<span class="status unverified">not verified</span>`;
}

function appSummary(app: App): Html {
  return html`<li class="card">
  <h2><a href="/dashboard/apps/${app.id}">${app.name}</a> ${verifiedStatus(app)}</h2>
  <div class="muted">Client id <code>${app.id}</code> · ${app.tokenEndpointAuthMethod === 'none' ? 'public client' : 'confidential client'} · created ${app.createdAt.toISOString().slice(0, 10)}</div>
</li>`;
}

export function appListPage(input: { csrfToken: string; apps: App[]; form?: NewAppForm; notice?: string | undefined; error?: string | undefined }): Html {
  const form = input.form ?? EMPTY_NEW_APP;
  return dashboardFrame(
    html`<h1>Apps</h1>
${messages(input)}
${input.apps.length === 0 ? html`<p class="muted">No apps are registered yet.</p>` : html`<ul class="plain">${input.apps.map(appSummary)}</ul>`}
<section class="card">
  <h2>Create an app</h2>
  <form method="post" action="/dashboard/apps">
    ${csrfField(input.csrfToken)}
    <label for="name">Name</label>
    <input type="text" id="name" name="name" maxlength="200" required value="${form.name}">
    <label for="redirect_uris">Redirect URIs, one per line</label>
    <textarea id="redirect_uris" name="redirect_uris" required>${form.redirectUris}</textarea>
    <p class="muted">Absolute, without a fragment, and https unless on loopback.</p>
    <p><input type="checkbox" id="public_client" name="public_client" value="yes"${form.publicClient ? new Html(' checked') : ''}>
      <label class="inline" for="public_client">Public client (no secret; must use PKCE)</label></p>
    <button class="primary" type="submit">Create app</button>
  </form>
</section>`,
    input.csrfToken,
  );
}
