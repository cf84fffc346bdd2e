// The one-command demo: embedded calbroker serves a demo app that walks the real flow through the
// sandbox and shows the user's calendars and next week's events.
import t from 'tap';
import { TestBrowser, hiddenInput } from './helpers/browser.js';
import { startBroker } from './helpers/broker.js';

t.test('demo: start page -> consent -> sandbox sign-in -> calendars and next week on the demo page', async (t) => {
  const broker = await startBroker(t, 'embedded');
  const browser = new TestBrowser();
  const start = await browser.request(`${broker.url}/demo`);
  t.equal(start.status, 200);
  const authorize = /href="([^"]*\/oauth\/authorize[^"]*)"/.exec(start.body)![1]!.replace(/&amp;/g, '&');
  const consent = await browser.request(authorize);
  t.equal(consent.status, 200);
  t.match(consent.body, /calbroker demo wants to access your calendar/);
  const toSandbox = await browser.request(`${broker.url}/oauth/authorize`, {
    form: { authorization_id: hiddenInput(consent.body, 'authorization_id'), csrf_token: hiddenInput(consent.body, 'csrf_token'), provider: 'sandbox' },
  });
  const signIn = await browser.request(toSandbox.location!);
  const form: Record<string, string> = { name: 'Ada Lovelace', email: 'ada@sandbox.example', decision: 'allow' };
  for (const name of ['client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method']) form[name] = hiddenInput(signIn.body, name);
  const result = await browser.follow(`${broker.url}/sandbox/oauth/authorize`, 'https://never.example', { form });
  t.equal(result.status, 200, result.body.slice(0, 300));
  t.match(result.body, /<h1>Connected<\/h1>/);
  t.match(result.body, /Work/);
  t.match(result.body, /<li>Public holidays \(read-only\)/);
  t.match(result.body, /Daily standup/, "next week's events");
  t.match(result.body, /&quot;token_type&quot;: &quot;bearer&quot;/, 'the raw token response');
  t.match(result.body, /curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/calendars/, 'the equivalent curl commands');
});

t.test('demo: a callback not started by the demo (state mismatch) is refused', async (t) => {
  const broker = await startBroker(t, 'embedded');
  const page = await new TestBrowser().request(`${broker.url}/demo/callback?code=x&state=forged`);
  t.equal(page.status, 400);
  t.match(page.body, /invalid_state/);
});

t.test('demo: the demo app is registered once and kept across restarts', async (t) => {
  const broker = await startBroker(t, 'embedded');
  const { listApps } = await import('../src/storage/apps.js');
  const { ensureDemoApp } = await import('../src/demo/demo-app.js');
  const first = (await listApps(broker.app.db)).filter((a) => a.name === 'calbroker demo');
  t.equal(first.length, 1);
  t.equal((await ensureDemoApp(broker.app.db, broker.url)).id, first[0]!.id, 'found again rather than created twice');
  t.equal(first[0]!.tokenEndpointAuthMethod, 'none', 'a public client: no secret to keep');
});
