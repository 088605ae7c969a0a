import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsPromises } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataCache, createCache, defaultCacheDir } from '../../server/src/engine/data/cache';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'depwarden-cache-'));
}

test('an entry written by one cache is read from disk by another (with its validators)', async () => {
  const dir = await tempDir();
  try {
    const a = createCache(dir);
    await a.put('packument', 'https://r/x', { hello: 'world' }, { etag: '"abc"', lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT' });
    const b = createCache(dir);
    const entry = await b.get<{ hello: string }>('packument', 'https://r/x');
    assert.deepEqual(entry?.value, { hello: 'world' });
    assert.equal(entry?.etag, '"abc"');
    assert.equal(entry?.lastModified, 'Mon, 01 Jan 2024 00:00:00 GMT');
    assert.equal(await b.get('packument', 'https://r/y'), undefined);
    // Kinds are separate namespaces.
    assert.equal(await b.get('advisory-query', 'https://r/x'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('freshness follows the TTL of each kind', async () => {
  let now = 1_000_000;
  const cache = new DataCache(undefined, { now: () => now, ttlMs: { packument: 1000, 'advisory-record': 5000 } });
  const p = await cache.put('packument', 'k', 1);
  const r = await cache.put('advisory-record', 'k', 2);
  assert.equal(cache.isFresh(p), true);
  now += 1500;
  assert.equal(cache.isFresh(p), false);
  assert.equal(cache.isFresh(r), true);
  await cache.touch(p, { etag: '"new"' });
  assert.equal(cache.isFresh(p), true);
  assert.equal(p.etag, '"new"');
});

/** Counts fs.promises.open calls on paths under `dir` while `fn` runs. */

test('a cold cache costs one open per kind, a warm one reads one store per kind, not a file per key', async () => {
  const dir = await tempDir();
  try {
    const keys = Array.from({ length: 500 }, (_, i) => `https://r/p${i}`);
    const cold = createCache(dir);
    const { opens: coldOpens } = await countReads(dir, async () => {
      for (const k of keys) {
        assert.equal(await cold.get('packument', k), undefined);
        assert.equal(await cold.get('packument-gone', k), undefined);
        assert.equal(await cold.get('advisory-query', k), undefined);
      }
    });
    assert.ok(coldOpens <= 3, `${coldOpens} opens`);
    assert.deepEqual(await readdir(dir), [], 'reading writes nothing');

    const writer = createCache(dir);
    await Promise.all(keys.map((k, i) => writer.put('packument', k, { i })));
    await Promise.all(keys.map((k, i) => writer.put('advisory-query', k, { vulns: [i] })));
    assert.deepEqual((await readdir(dir)).sort(), ['advisory-query.store', 'packument.store']);

    const warm = createCache(dir);
    const { opens: warmOpens } = await countReads(dir, async () => {
      for (const [i, k] of keys.entries()) {
        assert.deepEqual((await warm.get('packument', k))?.value, { i });
        assert.deepEqual((await warm.get('advisory-query', k))?.value, { vulns: [i] });
      }
    });
    assert.equal(warmOpens, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Opens and reads (of the handles opened) under `dir` while `fn` runs. */
async function countReads(dir: string, fn: () => Promise<void>): Promise<{ opens: number; reads: number }> {
  const original = fsPromises.open;
  const counts = { opens: 0, reads: 0 };
  fsPromises.open = (async (file: Parameters<typeof original>[0], ...rest: unknown[]) => {
    const handle = await (original as (...a: unknown[]) => ReturnType<typeof original>)(file, ...rest);
    if (!String(file).startsWith(dir)) return handle;
    counts.opens++;
    const read = handle.read.bind(handle) as (...a: unknown[]) => unknown;
    (handle as unknown as { read: unknown }).read = (...args: unknown[]) => {
      counts.reads++;
      return read(...args);
    };
    return handle;
  }) as typeof original;
  try {
    await fn();
  } finally {
    fsPromises.open = original;
  }
  return counts;
}

test('a store larger than one index chunk: every value read back right, whichever chunk it sits in', async () => {
  const dir = await tempDir();
  try {
    // 40 values of ~450 KB: 18 MB, more than the 16 MiB index chunk.
    const keys = Array.from({ length: 40 }, (_, i) => `https://r/big${i}`);
    const valueOf = (i: number) => ({ i, pad: String.fromCharCode(97 + (i % 26)).repeat(450_000) });
    const writer = createCache(dir);
    for (const [i, k] of keys.entries()) await writer.put('packument', k, valueOf(i));
    const reader = createCache(dir);
    const values = await Promise.all(keys.map((k) => reader.get('packument', k)));
    values.forEach((e, i) => assert.deepEqual(e?.value, valueOf(i), `value ${i}`));
    // And again later, when the index chunk is long gone.
    await new Promise((r) => setTimeout(r, 20));
    const again = createCache(dir);
    await again.get('packument', keys[39]);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual((await again.get('packument', keys[0]))?.value, valueOf(0));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('values asked for together are read together: a warm lookup of 500 entries reads each store a few times, not 500', async () => {
  const dir = await tempDir();
  try {
    const keys = Array.from({ length: 500 }, (_, i) => `https://r/p${i}`);
    const writer = createCache(dir);
    await Promise.all(keys.map((k, i) => writer.put('packument', k, { i, pad: 'x'.repeat(i % 7 === 0 ? 70_000 : 100) })));
    await Promise.all(keys.map((k, i) => writer.put('advisory-query', k, { vulns: [i] })));
    // A damaged line among them is a miss; its neighbours still read.
    const store = path.join(dir, 'packument.store');
    const text = await readFile(store, 'utf8');
    await writeFile(store, text.replace('{"i":3,', '{"i":3,,'));

    const warm = createCache(dir);
    const counts = await countReads(dir, async () => {
      const [packuments, advisories] = await Promise.all([
        Promise.all(keys.map((k) => warm.get('packument', k))),
        Promise.all(keys.map((k) => warm.get('advisory-query', k))),
      ]);
      packuments.forEach((e, i) => assert.deepEqual(e?.value, i === 3 ? undefined : { i, pad: 'x'.repeat(i % 7 === 0 ? 70_000 : 100) }, `packument ${i}`));
      advisories.forEach((e, i) => assert.deepEqual(e?.value, { vulns: [i] }, `advisory ${i}`));
    });
    assert.equal(counts.opens, 2);
    // One read per store: the index pass reads a store of up to 16 MiB at once (the
    // packument store here is ~5 MB), and the values asked for then are taken from it.
    assert.equal(counts.reads, 2, `${counts.reads} reads`);

    // Asked one at a time, each is still answered (one read each).
    const oneByOne = createCache(dir);
    for (const i of [499, 0, 250]) assert.deepEqual((await oneByOne.get('advisory-query', keys[i]))?.value, { vulns: [i] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('mayHold: false only when neither memory nor the store holds an entry of the kind', async () => {
  const dir = await tempDir();
  try {
    const memoryOnly = createCache();
    assert.equal(await memoryOnly.mayHold('packument'), false);
    await memoryOnly.put('packument', 'k', { v: 1 });
    assert.equal(await memoryOnly.mayHold('packument'), true);
    assert.equal(await memoryOnly.mayHold('audit'), false);

    assert.equal(await createCache(dir).mayHold('packument'), false, 'cold folder');
    await createCache(dir).put('advisory-query', 'k', { vulns: [] });
    const reader = createCache(dir);
    assert.equal(await reader.mayHold('advisory-query'), true, 'written by another cache');
    assert.equal(await reader.mayHold('packument'), false);
    await reader.clear();
    assert.equal(await reader.mayHold('advisory-query'), false, 'after clear');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('corrupt, truncated and foreign lines read as misses; the entries around them survive', async () => {
  const dir = await tempDir();
  try {
    const writer = createCache(dir);
    await writer.put('packument', 'good', { a: 1 });
    await writer.put('packument', 'wrong-length', { a: 2 });
    const file = writer.storeFile('packument');
    const text = await readFile(file, 'utf8');
    // A byte count that does not match its value (a line glued to a torn one).
    const wrongLength = text.split('\n')[1].replace('{"a":2}', '{"a":22}');
    const bad = [
      wrongLength,
      '\u0000\u0001not json',
      '{"f":2,"k":"no-tab","t":1,"n":7}',
      '{"f":1,"k":"old-format","t":1,"n":7}\t{"a":3}',
      '{"f":2,"k":"bad-value","t":1,"n":7}\t{"a":,}',
      '["f",2]\t{}',
      '{"f":2,"k":"__proto__","t":1,"n":7}\t{"a":4}',
    ];
    await writeFile(file, text.split('\n')[0] + '\n' + bad.join('\n') + '\n' + '{"f":2,"k":"torn","t":1,"n":7}\t{"a"');
    const reader = createCache(dir);
    assert.deepEqual((await reader.get('packument', 'good'))?.value, { a: 1 });
    for (const key of ['wrong-length', 'no-tab', 'old-format', 'bad-value', 'torn']) assert.equal(await reader.get('packument', key), undefined, key);
    // An untrusted key is only a key.
    assert.deepEqual((await reader.get('packument', '__proto__'))?.value, { a: 4 });
    assert.equal(await reader.get('packument', 'constructor'), undefined);
    // A line appended after the torn one is not swallowed by it.
    await reader.put('packument', 'after', { a: 5 });
    assert.deepEqual((await createCache(dir).get('packument', 'after'))?.value, { a: 5 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writes are atomic: concurrent writers leave whole entries and the last writer wins', async () => {
  const dir = await tempDir();
  try {
    const caches = [createCache(dir), createCache(dir), createCache(dir)];
    const big = (n: number) => ({ n, payload: 'x'.repeat(200_000) });
    await Promise.all(caches.flatMap((c, i) => [c.put('packument', 'same', big(i)), c.put('packument', `own-${i}`, big(i + 10))]));
    const files = await readdir(dir);
    assert.deepEqual(files, ['packument.store']);
    const reader = createCache(dir);
    const entry = await reader.get<{ n: number; payload: string }>('packument', 'same');
    assert.ok(entry);
    assert.equal(entry.value.payload.length, 200_000);
    for (let i = 0; i < 3; i++) assert.equal((await reader.get<{ n: number }>('packument', `own-${i}`))?.value.n, i + 10);
    await caches[1].put('packument', 'same', big(99));
    assert.equal((await createCache(dir).get<{ n: number }>('packument', 'same'))?.value.n, 99);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the store stays within its size bound, keeping the newest entries, and rewrites superseded ones away', async () => {
  const dir = await tempDir();
  try {
    let now = Date.now();
    const cache = createCache(dir, { maxStoreBytes: 64 * 1024, now: () => now });
    for (let i = 0; i < 100; i++) {
      now += 1000;
      await cache.put('packument', `k${i}`, { i, payload: 'y'.repeat(2000) });
    }
    const size = (await stat(cache.storeFile('packument'))).size;
    assert.ok(size <= 64 * 1024, `${size} bytes`);
    const reader = createCache(dir);
    assert.equal((await reader.get<{ i: number }>('packument', 'k99'))?.value.i, 99);
    assert.equal(await reader.get('packument', 'k0'), undefined);
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), []);

    // Entries older than the age bound go at the next rewrite.
    now += 31 * 24 * 3600_000;
    for (let i = 0; i < 40; i++) await cache.put('packument', 'fresh', { i, payload: 'z'.repeat(2000) });
    const left = createCache(dir);
    assert.equal(await left.get('packument', 'k99'), undefined);
    assert.equal((await left.get<{ i: number }>('packument', 'fresh'))?.value.i, 39);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('entries of the one-file-per-entry format are moved into the store once', async () => {
  const dir = await tempDir();
  try {
    await mkdir(path.join(dir, 'packument'));
    const legacy = { format: 1, kind: 'packument', key: 'https://r/old', storedAt: 123, etag: '"e"', value: { old: true } };
    await writeFile(path.join(dir, 'packument', 'a.json'), JSON.stringify(legacy));
    await writeFile(path.join(dir, 'packument', 'b.json'), '{broken');
    const entry = await createCache(dir).get<{ old: boolean }>('packument', 'https://r/old');
    assert.deepEqual(entry?.value, { old: true });
    assert.equal(entry?.etag, '"e"');
    assert.equal(entry?.storedAt, 123);
    assert.deepEqual(await readdir(dir), ['packument.store']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('clear removes memory and disk entries', async () => {
  const dir = await tempDir();
  try {
    const cache = createCache(dir);
    await cache.put('packument', 'a', 1);
    await cache.clear();
    assert.equal(await cache.get('packument', 'a'), undefined);
    assert.equal(await createCache(dir).get('packument', 'a'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unwritable cache folder does not fail: the memory cache still works', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const cache = createCache(file);
    await cache.put('packument', 'a', 42);
    assert.equal((await cache.get('packument', 'a'))?.value, 42);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the default cache folder follows the platform', () => {
  assert.equal(defaultCacheDir({ HOME: '/home/u' }, 'linux'), '/home/u/.cache/depwarden');
  assert.equal(defaultCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/xdg' }, 'linux'), '/xdg/depwarden');
  assert.equal(defaultCacheDir({ HOME: '/Users/u' }, 'darwin'), '/Users/u/Library/Caches/depwarden');
});

test('values in memory stay within maxMemoryBytes; the rest is read back from the store, newest value of each key', async () => {
  const dir = await tempDir();
  try {
    const bound = 20_000;
    const value = (i: number, round: number) => ({ i, round, payload: 'p'.repeat(1000) });
    const cache = createCache(dir, { maxMemoryBytes: bound });
    for (let i = 0; i < 100; i++) await cache.put('packument', `k${i}`, value(i, 1));
    // Rewritten keys: the store's newest line must be the one read back.
    for (let i = 0; i < 100; i += 10) await cache.put('packument', `k${i}`, value(i, 2));
    assert.ok(cache.bytesInMemory <= bound + 1100, `${cache.bytesInMemory} bytes in memory`);
    for (let i = 0; i < 100; i++) {
      const entry = await cache.get<{ i: number; round: number; payload: string }>('packument', `k${i}`);
      assert.deepEqual(entry?.value, value(i, i % 10 === 0 ? 2 : 1), `k${i}`);
    }
    assert.ok(cache.bytesInMemory <= bound + 1100, `${cache.bytesInMemory} bytes in memory after reading back`);
    // Another process's cache with the same bound reads every entry from the store.
    const other = createCache(dir, { maxMemoryBytes: bound });
    for (let i = 0; i < 100; i++) assert.equal((await other.get<{ i: number }>('packument', `k${i}`))?.value.i, i);
    assert.ok(other.bytesInMemory <= bound + 1100);
    // A memory-only cache has nowhere to read back from: it keeps everything.
    const memoryOnly = createCache(undefined, { maxMemoryBytes: bound });
    for (let i = 0; i < 100; i++) await memoryOnly.put('packument', `k${i}`, value(i, 1));
    for (let i = 0; i < 100; i++) assert.equal((await memoryOnly.get<{ i: number }>('packument', `k${i}`))?.value.i, i);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
