// Drives the hosted authorization flow the way a person in a browser would.
import { TestBrowser, hiddenInput, type Step } from './browser.js';

export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scope?: string;
  state?: string;
  providerName?: string;
  codeChallenge?: string;
  extra?: Record<string, string>;
}

export function authorizeUrl(brokerUrl: string, request: AuthorizeRequest): string {
  const url = new URL('/oauth/authorize', brokerUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('scope', request.scope ?? 'read_account list_calendars');
  if (request.state !== undefined) url.searchParams.set('state', request.state);
  if (request.providerName) url.searchParams.set('provider_name', request.providerName);
  if (request.codeChallenge) {
    url.searchParams.set('code_challenge', request.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries(request.extra ?? {})) url.searchParams.set(k, v);
  return url.href;
}

/**
 * Opens the consent page, presses the provider's button, lets the (fake) provider consent and
 * come back, and returns the final step: the redirect to the app, or the page shown instead.
 */
export async function connectThroughConsent(
  browser: TestBrowser,
  brokerUrl: string,
  url: string,
  redirectUri: string,
  button: Record<string, string> = { provider: 'google' },
): Promise<{ consent: Step; final: Step }> {
  const consent = await browser.request(url);
  if (consent.status !== 200) return { consent, final: consent };
  const form = {
    authorization_id: hiddenInput(consent.body, 'authorization_id'),
    csrf_token: hiddenInput(consent.body, 'csrf_token'),
    ...button,
  };
  const final = await browser.follow(new URL('/oauth/authorize', brokerUrl).href, redirectUri, { form });
  return { consent, final };
}

/** The query of a redirect to the app. */
export function redirectParams(step: Step): URLSearchParams {
  if (!step.location) throw new Error(`expected a redirect, got ${step.status}: ${step.body.slice(0, 300)}`);
  return new URL(step.location).searchParams;
}

export interface RegisteredClient {
  client_id: string;
  client_secret: string;
}

/** Registers an app through the RFC 7591 endpoint, as an app developer would. */
export async function registerClient(brokerUrl: string, redirectUris: string[], name = 'Planner'): Promise<RegisteredClient> {
  const response = await fetch(`${brokerUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: redirectUris }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as RegisteredClient;
}
