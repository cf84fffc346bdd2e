// The StateStore contract against Redis and the in-process store.
import t from 'tap';
import { MemoryStateStore } from '../src/state/memory-state-store.js';
import { RedisStateStore } from '../src/state/redis-state-store.js';
import { stateStoreContract } from './contracts/state-store.contract.js';
import { freshRedisPrefix, REDIS_URL } from './helpers/services.js';

void t.test('RedisStateStore', async (t) => {
  stateStoreContract(t, async (t) => RedisStateStore.connect(REDIS_URL, freshRedisPrefix(t)));

  void t.test('two stores sharing a prefix see each other (two instances, one Redis)', async (t) => {
    const prefix = freshRedisPrefix(t);
    const a = await RedisStateStore.connect(REDIS_URL, prefix);
    const b = await RedisStateStore.connect(REDIS_URL, prefix);
    t.teardown(() => Promise.all([a.close(), b.close()]));
    await a.put('shared', { from: 'a' }, 60);
    const [x, y] = await Promise.all([a.take('shared'), b.take('shared')]);
    t.equal([x, y].filter(Boolean).length, 1, 'exactly one instance consumes it');
  });

  void t.test('an unreachable Redis fails fast with a clear message', async (t) => {
    await t.rejects(RedisStateStore.connect('redis://127.0.0.1:1', 'x:'), /Cannot reach Redis at REDIS_URL/);
  });
});

void t.test('MemoryStateStore', async (t) => {
  stateStoreContract(t, async () => new MemoryStateStore());
});
