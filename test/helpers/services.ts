// Real PostgreSQL and Redis for tests. Each test gets its own database and key prefix, so runs never
// collide. Unreachable services fail the test: they are required, never skipped.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh, empty database, dropped when the test ends. */
export async function freshDatabase(t: Teardown): Promise<string> {
  const name = `calbroker_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  t.teardown(async () => {
    const cleanup = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    await cleanup.unsafe(`drop database if exists ${name} with (force)`);
    await cleanup.end();
  });
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.href;
}

/** A Redis key prefix of this test's own; its keys are deleted when the test ends. */
export function freshRedisPrefix(t: Teardown): string {
  const prefix = `calbroker-test:${randomBytes(6).toString('hex')}:`;
  t.teardown(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return prefix;
}

export async function tempDir(t: Teardown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'calbroker-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
