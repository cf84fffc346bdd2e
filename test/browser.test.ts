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
