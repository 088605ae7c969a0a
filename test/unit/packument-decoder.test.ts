import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import fc from 'fast-check';
import type { Packument } from '../../server/src/engine/data/packument';
import { inThreadDecoder, WorkerDecoder, type PackumentDecoder } from '../../server/src/engine/data/packument-decoder';
import { encodePackument } from '../../server/src/engine/data/packument-store';
import { buildPackument } from '../support/fake-registry';
import { packumentTexts } from '../support/packument-texts';

/** The worker script as esbuild.mjs bundles it (tests run the engine from source). */
async function workerFile(t: { after: (fn: () => void) => void }): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-decoder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const outfile = path.join(dir, 'packument-worker.js');
  await build({ entryPoints: [path.resolve(__dirname, '../../server/src/engine/data/packument-worker.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', mainFields: ['module', 'main'], logLevel: 'warning' });
  return outfile;
}

/** Everything a rule or the cache can read of a packument, prototypes included (deepStrictEqual compares them). */
function observable(p: Packument | undefined): unknown {
  if (!p) return undefined;
  return {
    name: p.name,
    distTags: p.distTags,
    unpublished: p.unpublished,
    maintainers: p.maintainers,
    versionNames: p.versionNames,
    versions: p.versionNames.map((v) => p.version(v)),
    times: p.timeKeys().map((k) => [k, p.time(k), p.publishedAt(k)]),
    absent: ['__proto__', 'constructor', 'nope'].map((v) => [p.hasVersion(v), p.time(v)]),
    stored: JSON.stringify(encodePackument(p)),
  };
}

async function decodeAll(decoder: PackumentDecoder, texts: string[]): Promise<unknown[]> {
  return Promise.all(
    texts.map(async (text) => {
      const d = await decoder.decode(Buffer.from(text), 'x');
      return d && { packument: observable(d.packument), storedJson: d.storedJson };
    }),
  );
}

test('packument decoder: the worker thread decodes every packument-shaped text as the main thread does, stored JSON included', async (t) => {
  const decoder = new WorkerDecoder(await workerFile(t));
  t.after(() => decoder.close());
  const texts = [
    ...fc.sample(packumentTexts(), { numRuns: 1500, seed: 13 }),
    // Not objects, truncated: malformed both ways.
    '[1]',
    '{"versions":{"1.0.0":{}}',
    '',
    // A real-sized document, and one read from a view into a larger buffer (copied, not moved).
    JSON.stringify(buildPackument('http://r/', 'big', { versions: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`1.0.${i}`, { dependencies: { a: `^${i % 7}.0.0` }, npmUser: 'alice', deprecated: i % 2 ? 'old' : undefined }])) })),
  ];
  const inWorker = await decodeAll(decoder, texts);
  const inThread = await decodeAll(inThreadDecoder, texts);
  for (let i = 0; i < texts.length; i++) {
    const main = inThread[i] as { packument: { stored: string; versionNames: string[] } } | undefined;
    const worker = inWorker[i] as { packument: unknown; storedJson?: string } | undefined;
    assert.deepStrictEqual(worker?.packument, main?.packument, texts[i].slice(0, 300));
    // The cache line's JSON, made in the worker, is what the main thread would have written (none for an empty packument).
    if (worker) assert.equal(worker.storedJson, main!.packument.versionNames.length ? main!.packument.stored : undefined);
  }
  // A view into a larger buffer (as Node's pool hands out) is copied: the buffer stays usable.
  const shared = new ArrayBuffer(4096);
  const text = '{"name":"p","versions":{"1.0.0":{"deprecated":"x"}}}';
  const view = Buffer.from(shared, 100, text.length);
  view.write(text);
  const d = await decoder.decode(view, 'p');
  assert.equal(d?.packument.version('1.0.0')?.deprecated, 'x');
  assert.equal(shared.byteLength, 4096);
  assert.equal(view.toString(), text);
});

test('packument decoder: a worker that cannot start fails its answers, and later ones are decoded in-thread', async () => {
  const decoder = new WorkerDecoder(path.join(tmpdir(), 'no-such-depwarden-worker.js'));
  await assert.rejects(decoder.decode(Buffer.from('{"versions":{"1.0.0":{}}}'), 'p'), /packument decoder stopped/);
  const d = await decoder.decode(Buffer.from('{"versions":{"1.0.0":{}}}'), 'p');
  assert.deepEqual(d?.packument.versionNames, ['1.0.0']);
  await decoder.close();
});
