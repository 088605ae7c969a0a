import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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

test('corrupt, truncated and foreign files are discarded and deleted', async () => {
  const dir = await tempDir();
  try {
    const writer = createCache(dir);
    await writer.put('packument', 'good', { a: 1 });
    await writer.put('packument', 'truncated', { a: 2 });
    await writer.put('packument', 'foreign', { a: 3 });
    const truncatedFile = writer.fileOf('packument', 'truncated');
    const text = await readFile(truncatedFile, 'utf8');
    await writeFile(truncatedFile, text.slice(0, text.length >> 1));
    // A valid file that claims another key (say, copied over by hand) must not be served.
    await writeFile(writer.fileOf('packument', 'foreign'), await readFile(writer.fileOf('packument', 'good'), 'utf8'));
    await writeFile(writer.fileOf('packument', 'garbage'), '\u0000\u0001not json');

    const reader = createCache(dir);
    assert.deepEqual((await reader.get('packument', 'good'))?.value, { a: 1 });
    assert.equal(await reader.get('packument', 'truncated'), undefined);
    assert.equal(await reader.get('packument', 'foreign'), undefined);
    assert.equal(await reader.get('packument', 'garbage'), undefined);
    const left = await readdir(path.join(dir, 'packument'));
    assert.deepEqual(left, [path.basename(writer.fileOf('packument', 'good'))]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writes are atomic: concurrent writers leave one whole entry and no temporary files', async () => {
  const dir = await tempDir();
  try {
    const caches = [createCache(dir), createCache(dir), createCache(dir)];
    const big = (n: number) => ({ n, payload: 'x'.repeat(200_000) });
    await Promise.all(caches.flatMap((c, i) => [c.put('packument', 'same', big(i)), c.put('packument', 'same', big(i + 10))]));
    const files = await readdir(path.join(dir, 'packument'));
    assert.equal(files.length, 1);
    assert.ok(!files[0].endsWith('.tmp'));
    const entry = await createCache(dir).get<{ n: number; payload: string }>('packument', 'same');
    assert.ok(entry);
    assert.equal(entry.value.payload.length, 200_000);
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
