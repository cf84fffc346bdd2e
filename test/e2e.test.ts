// The broker spine end to end over real HTTP: register an app, connect a Google account through the
// hosted pages, redeem and refresh calbroker tokens, list calendars, revoke. The downstream clients
// are the official cronofy SDK and openid-client; upstream is the fake Google on loopback.
import Cronofy from 'cronofy';
import * as oidc from 'openid-client';
import t from 'tap';
import { startFakeGoogle, type FakeGoogle } from './fake-google/index.js';
import { TestBrowser } from './helpers/browser.js';
import { MODES, startBroker } from './helpers/broker.js';
import { authorizeUrl, connectThroughConsent, redirectParams, registerClient } from './helpers/flow.js';

const REDIRECT_URI = 'https://app.example.com/oauth/callback';

async function fakeGoogleWithAda(t: { teardown(fn: () => unknown): void }): Promise<FakeGoogle> {
  const google = await startFakeGoogle();
  t.teardown(() => google.close());
  google.addUser({
    sub: '110248495921238986420',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    calendars: [
      { id: 'ada@example.com', summary: 'Ada Lovelace', accessRole: 'owner', primary: true },
      { id: 'team@group.calendar.google.com', summary: 'Team', accessRole: 'writer' },
      { id: 'en.uk#holiday@group.v.calendar.google.com', summary: 'Holidays in UK', accessRole: 'reader' },
      { id: 'old@group.calendar.google.com', summary: 'Old project', accessRole: 'owner', deleted: true },
      { id: 'shared@group.calendar.google.com', summary: 'Shared', summaryOverride: 'Charles', accessRole: 'freeBusyReader' },
    ],
  });
  google.calendarPageSize = 2; // five calendars: three upstream pages
  return google;
}

for (const mode of MODES) {
  t.test(`cronofy SDK: authorize, requestAccessToken, listCalendars, refresh, revoke (${mode})`, async (t) => {
    const google = await fakeGoogleWithAda(t);
    const broker = await startBroker(t, mode, google);
    const client = await registerClient(broker.url, [REDIRECT_URI], 'Meeting Planner');

    const browser = new TestBrowser();
    const url = authorizeUrl(broker.url, { clientId: client.client_id, redirectUri: REDIRECT_URI, state: 'opaque state/+&=', providerName: 'google' });
    const { consent, final } = await connectThroughConsent(browser, broker.url, url, REDIRECT_URI);
    t.equal(consent.status, 200, 'consent page shown');
    t.match(consent.body, /Meeting Planner/, 'consent page names the app');
    t.match(consent.body, /This application is not verified/, 'unverified warning shown');
    t.match(consent.body, /See the list of your calendars/, 'scopes explained in plain words');
    t.equal(final.status, 303, 'redirected back to the app');
    const params = redirectParams(final);
    t.equal(params.get('state'), 'opaque state/+&=', 'state returned byte for byte');
    t.equal(params.get('iss'), broker.url, 'iss names calbroker (RFC 9207)');
    const code = params.get('code');
    t.ok(code, 'calbroker code issued');

    const upstreamAuth = google.requests.find((r) => r.path === '/o/oauth2/v2/auth');
    t.match(upstreamAuth?.query, {
      access_type: 'offline',
      prompt: 'consent',
      include_granted_scopes: 'true',
      code_challenge_method: 'S256',
      redirect_uri: `${broker.url}/google/accounts/connect`,
    }, 'Google asked for offline access with PKCE');
    t.ok(upstreamAuth?.query.nonce, 'nonce sent to Google');
    t.same(
      upstreamAuth?.query.scope?.split(' ').sort(),
      ['email', 'https://www.googleapis.com/auth/calendar.calendarlist.readonly', 'openid', 'profile'],
      'narrowest Google scopes for read_account + list_calendars',
    );

    const cronofy = new Cronofy({ client_id: client.client_id, client_secret: client.client_secret });
    cronofy.urls.api = broker.url;
    const token = await cronofy.requestAccessToken({ code, redirect_uri: REDIRECT_URI });
    t.match(token, {
      token_type: 'bearer',
      expires_in: 3600,
      scope: 'read_account list_calendars',
      account_id: /^acc_[a-z2-7]{24}$/,
      linking_profile: { provider_name: 'google', profile_id: /^pro_[a-z2-7]{24}$/, profile_name: 'ada@example.com' },
    });
    t.equal(token.sub, token.account_id, 'sub is the account id');

    const listed = await cronofy.listCalendars();
    t.equal(listed.calendars.length, 5, 'every calendar of every upstream page');
    t.equal(google.counts.calendarList, 3, 'followed three upstream pages');
    const byName = Object.fromEntries(listed.calendars.map((c: { calendar_name: string }) => [c.calendar_name, c]));
    t.match(byName['Ada Lovelace'], {
      provider_name: 'google',
      profile_id: token.linking_profile.profile_id,
      profile_name: 'ada@example.com',
      calendar_id: /^cal_[a-z2-7]{24}$/,
      calendar_readonly: false,
      calendar_deleted: false,
      calendar_primary: true,
      permission_level: 'unrestricted',
    });
    t.equal(byName['Holidays in UK'].calendar_readonly, true, 'reader calendar is read-only');
    t.equal(byName['Old project'].calendar_deleted, true, 'deleted calendar flagged');
    t.ok(byName.Charles, 'summaryOverride is the calendar name');
    t.notOk(JSON.stringify(listed).includes('@group.calendar.google.com'), 'Google calendar ids never reach the app');

    const again = await cronofy.listCalendars();
    t.same(
      again.calendars.map((c: { calendar_id: string }) => c.calendar_id).sort(),
      listed.calendars.map((c: { calendar_id: string }) => c.calendar_id).sort(),
      'calendar ids are stable',
    );

    // Upstream token dies (e.g. expired early): calbroker refreshes it once and retries.
    google.expireAccessTokens();
    const afterExpiry = await cronofy.listCalendars();
    t.equal(afterExpiry.calendars.length, 5, 'listing works after an upstream 401');
    t.equal(google.counts.token_refresh, 1, 'exactly one upstream refresh');

    const oldAccessToken = cronofy.config.access_token;
    const refreshed = await cronofy.refreshAccessToken();
    t.match(refreshed, { token_type: 'bearer', expires_in: 3600, scope: 'read_account list_calendars', refresh_token: token.refresh_token });
    t.not(refreshed.access_token, oldAccessToken, 'a new access token');
    t.equal((await cronofy.listCalendars()).calendars.length, 5, 'new access token works');

    await cronofy.revokeAuthorization();
    const after = await fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    t.equal(after.status, 401, 'revoking the refresh token ends its access tokens');
    t.match(after.headers.get('www-authenticate'), /error="invalid_token"/);
    const refreshAgain = new Cronofy({ client_id: client.client_id, client_secret: client.client_secret, refresh_token: token.refresh_token });
    refreshAgain.urls.api = broker.url;
    await t.rejects(refreshAgain.refreshAccessToken(), { message: /invalid_grant/, statusCode: 400 }, 'revoked refresh token is refused');
  });

  t.test(`openid-client: discovery, PKCE, iss check, code grant, refresh, revocation (${mode})`, async (t) => {
    const google = await fakeGoogleWithAda(t);
    const broker = await startBroker(t, mode, google);
    const client = await registerClient(broker.url, [REDIRECT_URI], 'Meeting Planner');

    const config = await oidc.discovery(new URL(broker.url), client.client_id, client.client_secret, oidc.ClientSecretBasic(client.client_secret), {
      algorithm: 'oauth2',
      execute: [oidc.allowInsecureRequests],
    });
    t.equal(config.serverMetadata().issuer, broker.url, 'discovered from RFC 8414 metadata');

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'list_calendars',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { final } = await connectThroughConsent(new TestBrowser(), broker.url, url.href, REDIRECT_URI);
    const callback = new URL(final.location!);

    const forged = new URL(callback);
    forged.searchParams.set('iss', 'https://attacker.example');
    await t.rejects(oidc.authorizationCodeGrant(config, forged, { pkceCodeVerifier: verifier, expectedState: state }), 'a wrong iss is rejected by the client');

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    t.equal(tokens.scope, 'list_calendars');
    t.equal(tokens.expires_in, 3600);
    const calendars = await oidc.fetchProtectedResource(config, tokens.access_token, new URL('/v1/calendars', broker.url), 'GET');
    t.equal(calendars.status, 200);
    t.equal(((await calendars.json()) as { calendars: unknown[] }).calendars.length, 5);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    t.ok(refreshed.access_token);
    t.not(refreshed.access_token, tokens.access_token);

    await oidc.tokenRevocation(config, tokens.refresh_token!);
    await t.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), { code: 'OAUTH_RESPONSE_BODY_ERROR', error: 'invalid_grant' }, 'revoked refresh token is dead');
    const afterRevoke = await fetch(`${broker.url}/v1/calendars`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    t.equal(afterRevoke.status, 401, 'access tokens of the revoked grant are dead');
    await oidc.tokenRevocation(config, 'never-issued-token');
    t.pass('revoking an unknown token answers 200');

    // A code redeems once; a second redemption also revokes what the first issued.
    const verifier2 = oidc.randomPKCECodeVerifier();
    const url2 = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'list_calendars',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier2),
      code_challenge_method: 'S256',
    });
    const callback2 = new URL((await connectThroughConsent(new TestBrowser(), broker.url, url2.href, REDIRECT_URI)).final.location!);
    const first = await oidc.authorizationCodeGrant(config, callback2, { pkceCodeVerifier: verifier2, expectedState: state });
    await t.rejects(
      oidc.authorizationCodeGrant(config, callback2, { pkceCodeVerifier: verifier2, expectedState: state }),
      { code: 'OAUTH_RESPONSE_BODY_ERROR', error: 'invalid_grant' },
      'a code redeems once',
    );
    await t.rejects(oidc.refreshTokenGrant(config, first.refresh_token!), { code: 'OAUTH_RESPONSE_BODY_ERROR', error: 'invalid_grant' }, "the first redemption's grant is revoked");
  });
}
