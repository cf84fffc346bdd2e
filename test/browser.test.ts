// The hosted pages in a real browser (Debian's Chromium): the demo link, the consent page (allowing
// and declining), the sandbox sign-in, and the demo app showing calendars. Screenshots go to test/artifacts/.
import t from 'tap';
import { startBroker } from './helpers/broker.js';
import { launchChromium, newPage, screenshot } from './helpers/chromium.js';

t.test('a newcomer clicks through the demo and sees their calendars', async (t) => {
  const broker = await startBroker(t, 'embedded');
  const browser = await launchChromium(t);
  const page = await newPage(browser);
  await page.goto(`${broker.url}/demo`);
  await screenshot(page, 'demo-start');
  await page.getByRole('link', { name: 'Connect a calendar' }).click();

  await page.waitForURL(/\/oauth\/authorize/);
  t.equal(await page.locator('h1').textContent(), 'calbroker demo wants to access your calendar');
  t.ok(await page.getByText('This application is not verified').isVisible(), 'the unverified warning shows');
  await screenshot(page, 'consent');
  await page.getByRole('button', { name: 'Continue with Sandbox (simulated)' }).click();

  await page.waitForURL(/\/sandbox\/oauth\/authorize/);
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill('grace@sandbox.example');
  await screenshot(page, 'sandbox-sign-in');
  await page.getByRole('button', { name: 'Sign in and allow' }).click();

  await page.waitForURL(/\/demo\/callback/);
  t.equal(await page.locator('h1').textContent(), 'Connected');
  t.ok(await page.locator('li', { hasText: 'Public holidays (read-only)' }).isVisible(), 'calendars listed, the read-only one marked');
  t.ok((await page.getByText('Daily standup').count()) > 0, "next week's events listed");
  await screenshot(page, 'demo-connected');
});

t.test('declining on the consent page brings the user back to the app with access_denied', async (t) => {
  const broker = await startBroker(t, 'embedded');
  const browser = await launchChromium(t);
  const page = await newPage(browser, 'phone');
  await page.goto(`${broker.url}/demo`);
  await page.getByRole('link', { name: 'Connect a calendar' }).click();
  await page.waitForURL(/\/oauth\/authorize/);
  await screenshot(page, 'consent-phone');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForURL(/\/demo\/callback/);
  t.equal(await page.locator('h1').textContent(), 'Not connected');
  t.ok(await page.getByText('access_denied').isVisible());
  await screenshot(page, 'consent-declined');
});

t.test('an operator creates an app in the dashboard and rotates its secret, on a phone-sized screen', async (t) => {
  const adminToken = 'operator-token-for-browser-tests';
  const broker = await startBroker(t, 'services', undefined, { ADMIN_TOKEN: adminToken });
  const browser = await launchChromium(t);
  const page = await newPage(browser, 'phone');
  await page.goto(`${broker.url}/dashboard`);
  await page.getByLabel('Admin token').fill(adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${broker.url}/dashboard`);
  await page.getByLabel('Name').fill('Meeting Planner');
  await page.getByLabel('Redirect URIs, one per line').fill('https://planner.example.com/callback');
  await screenshot(page, 'dashboard-create');
  await page.getByRole('button', { name: 'Create app' }).click();

  await page.waitForURL(/\/dashboard\/apps/);
  const firstSecret = (await page.locator('#client_secret').textContent())?.trim();
  t.match(firstSecret, /^[A-Za-z0-9_-]{43}$/, 'the secret is shown once, after creation');
  await screenshot(page, 'dashboard-created');
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  const secondSecret = (await page.locator('#client_secret').textContent())?.trim();
  t.match(secondSecret, /^[A-Za-z0-9_-]{43}$/);
  t.not(secondSecret, firstSecret, 'a new secret');
  await screenshot(page, 'dashboard-rotated');

  await page.goto(`${broker.url}/dashboard`);
  t.ok(await page.getByRole('link', { name: 'Meeting Planner' }).isVisible(), 'the app is listed');
  t.equal(await page.getByText(secondSecret!).count(), 0, 'the secret is not shown again');
});
