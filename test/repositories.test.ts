// Repositories against real PostgreSQL and against PGlite.
import t from 'tap';
import { openPglite, openPostgres } from '../src/storage/database.js';
import { repositoriesContract } from './contracts/repositories.contract.js';
import { freshDatabase, tempDir } from './helpers/services.js';

void t.test('PostgreSQL', async (t) => {
  repositoriesContract(t, async (t) => openPostgres(await freshDatabase(t)));

  void t.test('two instances migrating a fresh database at once both come up', async (t) => {
    const url = await freshDatabase(t);
    const [a, b] = await Promise.all([openPostgres(url), openPostgres(url)]);
    t.teardown(() => Promise.all([a.close(), b.close()]));
    await a.ping();
    await b.ping();
    const c = await openPostgres(url);
    await c.close();
    t.pass('a third start against the migrated database is a no-op');
  });
});

void t.test('PGlite', async (t) => {
  repositoriesContract(t, async () => openPglite(undefined));

  void t.test('a data directory in use by a live process is refused', async (t) => {
    const dir = await tempDir(t);
    const first = await openPglite(dir);
    t.teardown(() => first.close());
    const { writeFile } = await import('node:fs/promises');
    // Another live process (our parent) holds the directory.
    await writeFile(`${dir}/calbroker.pid`, String(process.ppid));
    await t.rejects(openPglite(dir), /in use by process/);
    await writeFile(`${dir}/calbroker.pid`, String(process.pid));
  });
});
