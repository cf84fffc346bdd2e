// The StateStore contract: one suite, run against every backend (see state-store.test.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import type { StateStore } from '../../src/state/state-store.js';


export function stateStoreContract(t: Test, open: (t: Test) => Promise<StateStore>): void {
  const store = async (t: Test) => {
    const s = await open(t);
    t.teardown(() => s.close());
    return s;
  };

  void t.test('put then get returns an equal copy', async (t) => {
    const s = await store(t);
    await s.put('a', { n: 1, nested: { list: ['x', 'y'] } }, 60);
    t.same(await s.get('a'), { n: 1, nested: { list: ['x', 'y'] } });
    t.same(await s.get('a'), { n: 1, nested: { list: ['x', 'y'] } }, 'get does not consume');
  });

  void t.test('missing keys read as undefined', async (t) => {
    const s = await store(t);
    t.equal(await s.get('nope'), undefined);
    t.equal(await s.take('nope'), undefined);
  });

  void t.test('put replaces the previous value', async (t) => {
    const s = await store(t);
    await s.put('k', { v: 1 }, 60);
    await s.put('k', { v: 2 }, 60);
    t.same(await s.get('k'), { v: 2 });
  });

  void t.test('take returns the value once', async (t) => {
    const s = await store(t);
    await s.put('code', { v: 'x' }, 60);
    t.same(await s.take('code'), { v: 'x' });
    t.equal(await s.take('code'), undefined, 'second take finds nothing');
    t.equal(await s.get('code'), undefined);
  });

  void t.test('of 25 parallel takes of one key exactly one gets the value', async (t) => {
    const s = await store(t);
    await s.put('race', { v: 'prize' }, 60);
    const results = await Promise.all(Array.from({ length: 25 }, () => s.take('race')));
    t.equal(results.filter((r) => r !== undefined).length, 1);
  });

  void t.test('entries expire after their TTL', async (t) => {
    const s = await store(t);
    await s.put('short', { v: 1 }, 0.15);
    await s.put('long', { v: 2 }, 60);
    await sleep(400);
    t.equal(await s.get('short'), undefined, 'expired entry is gone');
    t.equal(await s.take('short'), undefined, 'expired entry cannot be taken');
    t.same(await s.get('long'), { v: 2 }, 'unexpired entry stays');
  });

  void t.test('delete removes the key', async (t) => {
    const s = await store(t);
    await s.put('d', { v: 1 }, 60);
    await s.delete('d');
    t.equal(await s.get('d'), undefined);
    await s.delete('d');
  });

  void t.test('a lock has one holder at a time; only its holder releases it', async (t) => {
    const s = await store(t);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => s.acquireLock('refresh:p1', 5)));
    const holders = tokens.filter((x): x is string => x !== undefined);
    t.equal(holders.length, 1, 'exactly one of ten concurrent acquirers holds it');
    t.equal(await s.acquireLock('refresh:p2', 5) !== undefined, true, 'another lock is independent');
    await s.releaseLock('refresh:p1', 'not-the-token');
    t.equal(await s.acquireLock('refresh:p1', 5), undefined, 'a wrong token releases nothing');
    await s.releaseLock('refresh:p1', holders[0]!);
    t.not(await s.acquireLock('refresh:p1', 5), undefined, 'free again after release');
  });

  void t.test('a lock whose holder died frees itself after its TTL', async (t) => {
    const s = await store(t);
    const first = await s.acquireLock('crashed', 0.15);
    t.not(first, undefined);
    await sleep(400);
    const second = await s.acquireLock('crashed', 5);
    t.not(second, undefined, 'taken over after expiry');
    await s.releaseLock('crashed', first!);
    t.equal(await s.acquireLock('crashed', 5), undefined, "the old holder's release does not free the new holder's lock");
  });

  void t.test('counters count atomically within their window, then reset', async (t) => {
    const s = await store(t);
    t.same(await s.peek('fails:ip'), { count: 0, resetSeconds: 0 }, 'nothing counted yet');
    const counts = await Promise.all(Array.from({ length: 20 }, () => s.increment('fails:ip', 0.3)));
    t.same(counts.map((c) => c.count).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1), 'each increment sees its own count');
    t.equal((await s.peek('fails:ip')).count, 20);
    t.ok((await s.peek('fails:ip')).resetSeconds >= 1);
    await sleep(500);
    t.equal((await s.peek('fails:ip')).count, 0, 'the window ended');
    t.equal((await s.increment('fails:ip', 60)).count, 1, 'a new window starts');
  });

  void t.test('ping answers while the store is up', async (t) => {
    const s = await store(t);
    await s.ping();
    t.equal(true, true, 'ping resolved');
  });
}
