// StateStore on Redis: shared by every calbroker instance. Each key carries a TTL.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

// Deletes the lock only while it still holds our token, atomically.
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Counts in a fixed window that starts with the first event.
const INCREMENT = `local n = redis.call('incr', KEYS[1]) if n == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end return {n, redis.call('pttl', KEYS[1])}`;
import type { StateStore, StateValue, WindowCount } from './state-store.js';

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

  async acquireLock(key: string, ttlSeconds: number): Promise<string | undefined> {
    const token = randomUUID();
    const result = await this.redis.set(`lock:${key}`, token, 'PX', Math.max(1, Math.round(ttlSeconds * 1000)), 'NX');
    return result === 'OK' ? token : undefined;
  }

  async releaseLock(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_LOCK, 1, `lock:${key}`, token);
  }

  async increment(key: string, windowSeconds: number): Promise<WindowCount> {
    const [count, ttl] = (await this.redis.eval(INCREMENT, 1, `rate:${key}`, Math.round(windowSeconds * 1000))) as [number, number];
    return { count, resetSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
  }

  async peek(key: string): Promise<WindowCount> {
    const [count, ttl] = await Promise.all([this.redis.get(`rate:${key}`), this.redis.pttl(`rate:${key}`)]);
    return count === null ? { count: 0, resetSeconds: 0 } : { count: Number(count), resetSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
