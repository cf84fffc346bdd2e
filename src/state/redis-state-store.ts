// StateStore on Redis: shared by every calbroker instance. Each key carries a TTL.
import { Redis } from 'ioredis';
import type { StateStore, StateValue } from './state-store.js';

export class RedisStateStore implements StateStore {
  private constructor(private readonly redis: Redis) {}

  /** Connects and checks the server answers; fails fast rather than queueing commands forever. */
  static async connect(url: string, keyPrefix: string): Promise<RedisStateStore> {
    const redis = new Redis(url, { keyPrefix, lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 });
    redis.on('error', () => {
      // Connection errors surface on the commands that fail; without a listener ioredis logs them itself.
    });
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(`Cannot reach Redis at REDIS_URL: ${(error as Error).message}`, { cause: error });
    }
    return new RedisStateStore(redis);
  }

  async put(key: string, value: StateValue, ttlSeconds: number): Promise<void> {
    await this.redis.set(key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlSeconds * 1000)));
  }

  async get(key: string): Promise<StateValue | undefined> {
    const json = await this.redis.get(key);
    return json === null ? undefined : (JSON.parse(json) as StateValue);
  }

  async take(key: string): Promise<StateValue | undefined> {
    // GETDEL (Redis >= 6.2) is atomic: two instances redeeming one code cannot both get it.
    const json = await this.redis.getdel(key);
    return json === null ? undefined : (JSON.parse(json) as StateValue);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
