// The short-lived records of an authorization in flight, each in its own slot of the StateStore.
import type { CalendarScope } from '../../providers/index.js';
import { Slot } from '../state/slot.js';

/** A validated authorize request, waiting for the user's choice on the consent page. */
export interface PendingAuthorization {
  clientId: string;
  redirectUri: string;
  state?: string | undefined;
  scope: CalendarScope[];
  codeChallenge?: string | undefined;
  /** When the app named a provider, only it is offered. */
  providerName?: string | undefined;
  csrfToken: string;
  /** Hash of the browser-binding cookie. */
  browser: string;
}

/** The user went to the upstream provider; we wait for it to send them back with this state. */
export interface UpstreamAttempt {
  authorization: Omit<PendingAuthorization, 'csrfToken'>;
  providerName: string;
  /** The adapter's opaque data (PKCE verifier, nonce). */
  pending: Record<string, string>;
}

/** A calbroker authorization code, bound to everything the token request must match. */
export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string | undefined;
  scope: string;
  accountId: string;
  profileId: string;
  /** Epoch ms; lets a code be put back with its remaining lifetime when redemption fails midway. */
  expiresAt: number;
}

/** A code that was redeemed, remembered for its lifetime so a second redemption can revoke what it issued. */
export interface RedeemedCode {
  grantId: string;
}

export const pendingAuthorizations = new Slot<PendingAuthorization>('authz', 30 * 60);
export const upstreamAttempts = new Slot<UpstreamAttempt>('upstream', 15 * 60);
export const authorizationCodes = new Slot<AuthorizationCode>('code', 10 * 60);
export const redeemedCodes = new Slot<RedeemedCode>('redeemed', 10 * 60);
