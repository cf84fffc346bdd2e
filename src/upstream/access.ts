// Calls to an upstream provider with a profile's stored tokens, kept fresh: refreshed shortly
// before they expire, and once after the provider refuses them (then the call is retried once).
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { UpstreamError, type ProviderAdapter } from '../../providers/index.js';
import type { Keyring } from '../crypto/keyring.js';
import type { StateStore } from '../state/state-store.js';
import { ApiError } from '../errors.js';
import { loadTokens, saveTokens } from '../storage/credentials.js';
import type { Database } from '../storage/database.js';
import { markDisconnected } from '../storage/profiles.js';
import type { Profile } from '../storage/schema.js';

const REFRESH_MARGIN_MS = 60_000;
// Longer than one upstream refresh can take (the HTTP client times out at 10 s), so a live holder keeps it.
const LOCK_TTL_SECONDS = 30;
const LOCK_WAIT_MS = 20_000;
const RETRY_DELAYS_MS = [200, 600];

export class ProfileDisconnectedError extends ApiError {
  constructor(profile: Profile) {
    super(
      409,
      {
        error: 'profile_disconnected',
        message: `The ${profile.providerName} profile ${profile.profileName} (${profile.id}) is no longer connected; the user must connect it again`,
        profile_id: profile.id,
      },
      { detail: `profile ${profile.id} disconnected` },
    );
  }
}

export class UpstreamAccess {
  // Single flight within this process: concurrent callers share one refresh per profile.
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    private readonly db: Database,
    private readonly keyring: Keyring,
    private readonly stateStore: StateStore,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Runs `call` with a valid upstream access token for `profile`. Idempotent calls (reads) are
   * retried with backoff on temporary failures; writes are never repeated blindly.
   */
  async call<T>(profile: Profile, provider: ProviderAdapter, call: (accessToken: string) => Promise<T>, options: { idempotent?: boolean } = {}): Promise<T> {
    if (!options.idempotent) return this.callOnce(profile, provider, call);
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.callOnce(profile, provider, call);
      } catch (error) {
        const temporary = error instanceof UpstreamError && error.kind === 'unavailable';
        if (!temporary || attempt >= RETRY_DELAYS_MS.length) throw error;
        this.log.info({ profileId: profile.id, attempt: attempt + 1, reason: error.message }, 'retrying upstream read');
        await sleep(RETRY_DELAYS_MS[attempt]!);
      }
    }
  }

  private async callOnce<T>(profile: Profile, provider: ProviderAdapter, call: (accessToken: string) => Promise<T>): Promise<T> {
    const tokens = await loadTokens(this.db, this.keyring, profile.id);
    if (!tokens) throw new ProfileDisconnectedError(profile);
    const expiring = tokens.expiresAt !== undefined && tokens.expiresAt.getTime() - Date.now() < REFRESH_MARGIN_MS;
    let accessToken = expiring ? await this.refresh(profile, provider, tokens.accessToken) : tokens.accessToken;
    try {
      return await call(accessToken);
    } catch (error) {
      if (!(error instanceof UpstreamError) || error.kind !== 'unauthorized' || expiring) throw error;
      accessToken = await this.refresh(profile, provider, accessToken);
      return call(accessToken);
    }
  }

  /** A fresh access token to replace `stale`. */
  private refresh(profile: Profile, provider: ProviderAdapter, stale: string): Promise<string> {
    let inFlight = this.refreshing.get(profile.id);
    if (!inFlight) {
      inFlight = this.refreshNow(profile, provider, stale).finally(() => this.refreshing.delete(profile.id));
      this.refreshing.set(profile.id, inFlight);
    }
    return inFlight;
  }

  /** Cross-instance single flight: one refresh per profile at a time across every calbroker instance. */
  private async refreshNow(profile: Profile, provider: ProviderAdapter, stale: string): Promise<string> {
    const lockKey = `refresh:${profile.id}`;
    const lock = await this.waitForLock(lockKey);
    try {
      return await this.refreshHoldingLock(profile, provider, stale);
    } finally {
      await this.stateStore.releaseLock(lockKey, lock).catch(() => {});
    }
  }

  private async waitForLock(key: string): Promise<string> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const token = await this.stateStore.acquireLock(key, LOCK_TTL_SECONDS);
      if (token) return token;
      if (Date.now() > deadline) throw new UpstreamError('unavailable', 'Timed out waiting for another instance to refresh the upstream token');
      await sleep(delay);
    }
  }

  private async refreshHoldingLock(profile: Profile, provider: ProviderAdapter, stale: string): Promise<string> {
    const stored = await loadTokens(this.db, this.keyring, profile.id);
    if (!stored?.refreshToken) throw new ProfileDisconnectedError(profile);
    // Re-read: a refresh that finished after this caller read its token already stored a new one.
    const storedIsFresh = stored.expiresAt === undefined || stored.expiresAt.getTime() - Date.now() >= REFRESH_MARGIN_MS;
    if (stored.accessToken !== stale && storedIsFresh) return stored.accessToken;
    try {
      const fresh = await provider.oauth.refresh(stored.refreshToken);
      // saveTokens keeps the stored refresh token when the provider did not send a new one.
      await saveTokens(this.db, this.keyring, profile.id, fresh);
      this.log.info({ profileId: profile.id }, 'refreshed upstream access token');
      return fresh.accessToken;
    } catch (error) {
      if (error instanceof UpstreamError && error.kind === 'invalid_grant') {
        await markDisconnected(this.db, profile.id);
        this.log.warn({ profileId: profile.id }, 'upstream refused the refresh token; profile marked disconnected');
        throw new ProfileDisconnectedError(profile);
      }
      throw error;
    }
  }
}
