// Debian's Chromium driven by playwright-core. Nothing is downloaded: .ci/run installs the
// `chromium` package when it is missing, and a missing browser fails the test rather than skipping it.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ARTIFACTS = path.resolve('test/artifacts');
const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface TestContext {
  teardown(fn: () => unknown): void;
}

export async function launchChromium(t: TestContext): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: EXECUTABLE,
    // No sandbox as root in CI; no background networking, which this closed network refuses anyway.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** A new page sized like a phone or a laptop. */
export async function newPage(browser: Browser, viewport: 'phone' | 'laptop' = 'laptop'): Promise<Page> {
  const context = await browser.newContext({ viewport: viewport === 'phone' ? { width: 390, height: 844 } : { width: 1280, height: 900 } });
  return context.newPage();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
