// Rate limits counted in the state store, so they hold across every instance. The limits are policy,
// listed in the README's security section.
import { OAuthError } from '../errors.js';
import type { StateStore } from '../state/state-store.js';

export interface Limit {
  name: string;
  limit: number;
  windowSeconds: number;
}

/** Failed client authentications for one client_id: stops secret guessing against one app. */
export const FAILED_AUTH_PER_CLIENT: Limit = { name: 'auth-client', limit: 10, windowSeconds: 600 };
/** Failed client authentications from one address, whatever client they claim. */
export const FAILED_AUTH_PER_ADDRESS: Limit = { name: 'auth-address', limit: 30, windowSeconds: 600 };
/** invalid_grant answers to one client: stops guessing codes and refresh tokens. */
export const INVALID_GRANTS_PER_CLIENT: Limit = { name: 'grant-client', limit: 30, windowSeconds: 600 };
/** Authorize requests from one address: stops floods of the hosted pages. */
export const AUTHORIZE_PER_ADDRESS: Limit = { name: 'authorize-address', limit: 60, windowSeconds: 60 };

export class TooManyRequests extends OAuthError {
  constructor(retryAfterSeconds: number) {
    super(429, 'too_many_requests', 'Too many requests; retry later', false, { headers: { 'retry-after': String(retryAfterSeconds) } });
  }
}

export class RateLimiter {
  constructor(private readonly store: StateStore) {}

  /** Throws 429 when `subject` has already used up `limit`. */
  async check(limit: Limit, subject: string): Promise<void> {
    const { count, resetSeconds } = await this.store.peek(`${limit.name}:${subject}`);
    if (count >= limit.limit) throw new TooManyRequests(resetSeconds);
  }

  /** Counts one event (a failure, usually) against `subject`. */
  async record(limit: Limit, subject: string): Promise<void> {
    await this.store.increment(`${limit.name}:${subject}`, limit.windowSeconds);
  }

  /** Counts one event and throws 429 when it goes over the limit. */
  async hit(limit: Limit, subject: string): Promise<void> {
    const { count, resetSeconds } = await this.store.increment(`${limit.name}:${subject}`, limit.windowSeconds);
    if (count > limit.limit) throw new TooManyRequests(resetSeconds);
  }
}
