// The port for short-lived state: pending authorizations, upstream state/PKCE, authorization codes.
// Every entry expires; `take` is atomic, so a value can be consumed exactly once across instances.

export type StateValue = Record<string, unknown>;

export interface WindowCount {
  count: number;
  resetSeconds: number;
}

export interface StateStore {
  /** Stores `value` under `key` for `ttlSeconds`, replacing any previous value. */
  put(key: string, value: StateValue, ttlSeconds: number): Promise<void>;
  get(key: string): Promise<StateValue | undefined>;
  /** Reads and deletes in one step: of several concurrent takes of one key, exactly one gets the value. */
  take(key: string): Promise<StateValue | undefined>;
  delete(key: string): Promise<void>;
  /**
   * Takes a lock named `key` for at most `ttlSeconds` if nobody holds it, returning the token that
   * releases it, or undefined when it is held. The TTL frees locks of crashed holders.
   */
  acquireLock(key: string, ttlSeconds: number): Promise<string | undefined>;
  /** Releases the lock only if `token` still holds it (an expired lock may have a new holder). */
  releaseLock(key: string, token: string): Promise<void>;
  /**
   * Counts an event in a fixed window of `windowSeconds` starting at its first event; returns the
   * count so far and the seconds until the window resets. Atomic across instances.
   */
  increment(key: string, windowSeconds: number): Promise<WindowCount>;
  /** The current window's count without adding to it. */
  peek(key: string): Promise<WindowCount>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
