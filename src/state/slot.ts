// A typed slot of the StateStore. Keys are hashes of the secrets that name them,
// so a dump of the store holds nothing redeemable.
import { hashSecret } from '../crypto/tokens.js';
import type { StateStore, StateValue } from './state-store.js';

export class Slot<T extends object> {
  constructor(
    private readonly prefix: string,
    readonly ttlSeconds: number,
  ) {}

  put(store: StateStore, secret: string, value: T, ttlSeconds = this.ttlSeconds): Promise<void> {
    return store.put(this.key(secret), value as unknown as StateValue, ttlSeconds);
  }

  async get(store: StateStore, secret: string): Promise<T | undefined> {
    return (await store.get(this.key(secret))) as T | undefined;
  }

  /** Single use: of concurrent takes, one wins. */
  async take(store: StateStore, secret: string): Promise<T | undefined> {
    return (await store.take(this.key(secret))) as T | undefined;
  }

  private key(secret: string): string {
    return `${this.prefix}:${hashSecret(secret)}`;
  }
}
