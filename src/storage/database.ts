// Opens the durable store: PostgreSQL through postgres.js, or PGlite (real Postgres in-process)
// when no DATABASE_URL is given. Migrations from drizzle/ are applied on open.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { packageRoot } from '../package-root.js';
import * as schema from './schema.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface OpenDatabase {
  db: Database;
  /** true for PGlite: one process only. */
  embedded: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = path.join(packageRoot, 'drizzle');
// Any constant works; it only has to be the same for every calbroker instance.
const MIGRATION_LOCK_ID = 7_240_311_865;

export async function openPostgres(url: string): Promise<OpenDatabase> {
  // Migrate over one dedicated connection holding a session advisory lock, so instances
  // starting together against a fresh database take turns instead of racing on DDL.
  const migrationClient = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrationClient`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migratePostgres(drizzlePostgres(migrationClient), { migrationsFolder });
    await migrationClient`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
  } finally {
    await migrationClient.end();
  }

  const client = postgres(url, { max: 10, onnotice: () => {} });
  return {
    db: drizzlePostgres(client, { schema }) as unknown as Database,
    embedded: false,
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** Refuses to open a PGlite directory another live process holds: two writers would corrupt it. */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(dir, 'calbroker.pid');
  const holder = Number(await readFile(lockFile, 'utf8').catch(() => ''));
  if (holder && holder !== process.pid) {
    let alive = true;
    try {
      process.kill(holder, 0);
    } catch {
      alive = false;
    }
    if (alive) {
      throw new Error(
        `The embedded database in ${dir} is in use by process ${holder}. Stop it first (embedded mode is single-process), or set DATABASE_URL.`,
      );
    }
  }
  await writeFile(lockFile, String(process.pid));
  return () => rm(lockFile, { force: true });
}

/** PGlite, kept under `dataDir` (or in memory when dataDir is undefined, for tests). */
export async function openPglite(dataDir: string | undefined): Promise<OpenDatabase> {
  const [{ PGlite }, { drizzle }, { migrate }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  let unlock = async () => {};
  let pgliteDir: string | undefined;
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    unlock = await lockDataDir(dataDir);
    pgliteDir = path.join(dataDir, 'pglite');
  }
  try {
    const client = await PGlite.create(pgliteDir);
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder });
    return {
      db: db as unknown as Database,
      embedded: true,
      ping: async () => {
        await client.query('select 1');
      },
      close: async () => {
        await client.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}
