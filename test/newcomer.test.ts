// A newcomer's first run: the real server process, started with no configuration at all, prints one
// link; following it in Chromium reaches the demo's calendar view; and the data survives a restart.
import t from 'tap';
import { freePort } from './helpers/broker.js';
import { launchChromium, newPage, screenshot } from './helpers/chromium.js';
import { runBrokerProcess } from './helpers/process.js';
import { tempDir } from './helpers/services.js';

t.test('no configuration: the printed link leads through consent and sandbox sign-in to the calendar view', async (t) => {
  const port = await freePort();
  // Only what a laptop has: no DATABASE_URL, REDIS_URL, keys or provider settings. PORT and DATA_DIR keep
  // this run apart from others on the same machine.
  const server = await runBrokerProcess(t, { PORT: String(port), DATA_DIR: await tempDir(t) }, { inheritEnv: false });
  const link = /Try calbroker: open (\S+)/.exec(server.stdout())?.[1];
  t.equal(link, `http://localhost:${port}/demo`, 'one link printed');

  const browser = await launchChromium(t);
  const page = await newPage(browser);
  await page.goto(link!);
  await page.getByRole('link', { name: 'Connect a calendar' }).click();
  await page.getByRole('button', { name: 'Continue with Sandbox (simulated)' }).click();
  await page.getByRole('button', { name: 'Sign in and allow' }).click();
  await page.waitForURL(/\/demo\/callback/);
  t.equal(await page.locator('h1').textContent(), 'Connected');
  t.ok(await page.locator('li', { hasText: 'Work' }).first().isVisible(), 'the calendar view');
  await screenshot(page, 'newcomer-calendar-view');
});

t.test('embedded data persists across restarts in the data directory', async (t) => {
  const port = await freePort();
  const dataDir = await tempDir(t);
  const env = { PORT: String(port), DATA_DIR: dataDir };
  const first = await runBrokerProcess(t, env, { inheritEnv: false });
  const registered = (await (
    await fetch(`${first.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'Kept', redirect_uris: ['https://kept.example/cb'] }) })
  ).json()) as { client_id: string; client_secret: string };
  await first.stop();

  const second = await runBrokerProcess(t, env, { inheritEnv: false });
  const response = await fetch(`${second.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://kept.example/cb', client_id: registered.client_id, client_secret: registered.client_secret }),
  });
  t.equal(((await response.json()) as { error: string }).error, 'invalid_grant', 'the app and its secret survived the restart (the bogus code is what fails)');
});
