// "Clean" for attack tests: the refused request wrote no database row, left no new state-store key,
// and made no upstream call.
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Test } from 'tap';
import type { FakeGoogle } from '../fake-google/index.js';
import type { Broker } from '../helpers/broker.js';
import { REDIS_URL } from '../helpers/services.js';

const TABLES = ['apps', 'accounts', 'profiles', 'upstream_credentials', 'calendars', 'grants', 'access_tokens', 'retired_refresh_tokens'];

export interface Snapshot {
  rows: Record<string, number>;
  redisKeys: string[];
  upstreamRequests: number;
}

async function rowCounts(broker: Broker): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const result = (await broker.app.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown;
    const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
    counts[table] = (rows[0] as { n: number }).n;
  }
  return counts;
}

async function redisKeys(broker: Broker): Promise<string[]> {
  const prefix = broker.env.REDIS_KEY_PREFIX;
  if (!prefix) return [];
  const redis = new Redis(REDIS_URL);
  try {
    return (await redis.keys(`${prefix}*`)).sort();
  } finally {
    await redis.quit();
  }
}

export async function snapshot(broker: Broker, google?: FakeGoogle): Promise<Snapshot> {
  return { rows: await rowCounts(broker), redisKeys: await redisKeys(broker), upstreamRequests: google?.requests.length ?? 0 };
}

/** Asserts nothing was written, issued or called upstream since `before`. */
export async function assertClean(t: Test, broker: Broker, before: Snapshot, google?: FakeGoogle, label = 'clean'): Promise<void> {
  const after = await snapshot(broker, google);
  t.same(after.rows, before.rows, `${label}: no database row written`);
  t.same(after.redisKeys.filter((k) => !before.redisKeys.includes(k) && !/:lock:|:rate:/.test(k)), [], `${label}: no new state-store key`);
  t.equal(after.upstreamRequests, before.upstreamRequests, `${label}: no upstream call`);
}
