// In-process StateStore for embedded, single-instance mode.
import { randomUUID } from 'node:crypto';
import type { StateStore, StateValue, WindowCount } from './state-store.js';

interface Entry {
  json: string;
  expiresAt: number;
}

export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepIntervalMs = 60_000) {
    // Expired entries are also dropped on read; the sweep only bounds memory.
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  async put(key: string, value: StateValue, ttlSeconds: number): Promise<void> {
    // Stored as JSON so callers get copies, exactly as from Redis.
    this.entries.set(key, { json: JSON.stringify(value), expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async get(key: string): Promise<StateValue | undefined> {
    const entry = this.live(key);
    return entry ? (JSON.parse(entry.json) as StateValue) : undefined;
  }

  async take(key: string): Promise<StateValue | undefined> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry ? (JSON.parse(entry.json) as StateValue) : undefined;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async acquireLock(key: string, ttlSeconds: number): Promise<string | undefined> {
    const lockKey = `lock:${key}`;
    if (this.live(lockKey)) return undefined;
    const token = randomUUID();
    await this.put(lockKey, { token }, ttlSeconds);
    return token;
  }

  async releaseLock(key: string, token: string): Promise<void> {
    const lockKey = `lock:${key}`;
    const held = await this.get(lockKey);
    if (held?.token === token) this.entries.delete(lockKey);
  }

  async increment(key: string, windowSeconds: number): Promise<WindowCount> {
    const counterKey = `rate:${key}`;
    const entry = this.live(counterKey);
    const count = entry ? Number(JSON.parse(entry.json)) + 1 : 1;
    const expiresAt = entry?.expiresAt ?? Date.now() + windowSeconds * 1000;
    this.entries.set(counterKey, { json: String(count), expiresAt });
    return { count, resetSeconds: Math.ceil((expiresAt - Date.now()) / 1000) };
  }

  async peek(key: string): Promise<WindowCount> {
    const entry = this.live(`rate:${key}`);
    return entry ? { count: Number(JSON.parse(entry.json)), resetSeconds: Math.ceil((entry.expiresAt - Date.now()) / 1000) } : { count: 0, resetSeconds: 0 };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
