// Raw HTTP helpers for testing the fake Google itself (tests of calbroker use real clients instead).
import { createHash, randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import { startFakeGoogle, type FakeGoogle, type FakeUser } from '../fake-google/index.js';

export const REDIRECT = 'http://127.0.0.1:9/callback';
export const CAL_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';

export const alice: FakeUser = {
  sub: '110000000000000000001',
  email: 'alice@example.com',
  name: 'Alice Liddell',
  calendars: [
    { id: 'alice@example.com', summary: 'alice@example.com', accessRole: 'owner', primary: true, timeZone: 'Europe/London' },
    { id: 'team@group.calendar.google.com', summary: 'Team', accessRole: 'writer', summaryOverride: 'My team' },
    { id: 'holidays@group.v.calendar.google.com', summary: 'Holidays', accessRole: 'reader' },
    { id: 'gone@group.calendar.google.com', summary: 'Gone', accessRole: 'owner', deleted: true },
    { id: 'bob@example.com', summary: 'Bob', accessRole: 'freeBusyReader' },
    { id: 'room@resource.calendar.google.com', summary: 'Room', accessRole: 'reader' },
  ],
};

export async function setup(t: Test): Promise<FakeGoogle> {
  const fake = await startFakeGoogle();
  t.teardown(() => fake.close());
  fake.addUser(structuredClone(alice));
  return fake;
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Runs the authorize step and returns the callback URL (or the raw response if it is not a redirect). */
export async function authorize(fake: FakeGoogle, params: Record<string, string> = {}) {
  const url = new URL(`${fake.issuer}/o/oauth2/v2/auth`);
  const all = { client_id: fake.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: `openid email profile ${CAL_SCOPE}`, state: 'st-1', ...params };
  for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { res, callback: location ? new URL(location) : undefined };
}

export async function token(fake: FakeGoogle, params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${fake.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Full code flow with PKCE S256; returns the token response body. */
export async function login(fake: FakeGoogle, authParams: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const { callback } = await authorize(fake, { code_challenge: challenge, code_challenge_method: 'S256', ...authParams });
  const code = callback?.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback}`);
  const res = await token(fake, {
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier,
    client_id: fake.clientId, client_secret: fake.clientSecret,
  });
  if (res.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(res.body)}`);
  return res.body as { access_token: string; refresh_token?: string; id_token?: string; scope: string };
}

export const api = (fake: FakeGoogle, path: string, accessToken?: string) =>
  fetch(`${fake.apiUrl}/calendar/v3${path}`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
