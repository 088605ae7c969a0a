import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { auditTarballBytes, readTarball, TarError } from '../../server/src/engine/audit';
import { buildTar, buildPackageTarball, sriOf, tarHeader } from '../support/tar-writer';

function auditBytes(gz: Buffer, integrity = sriOf(gz)) {
  return auditTarballBytes('bomb', '1.0.0', gz, { integrity });
}

test('reads files, directories, pax paths and strips package/', () => {
  const long = 'package/' + 'd/'.repeat(80) + 'file.js';
  const pax = `path=${long}\n`;
  const record = `${pax.length + 3 + String(pax.length + 3).length - 2} ${pax}`;
  const tar = buildTar([
    { path: 'package/', type: '5' },
    { path: 'package/package.json', content: '{"name":"p","version":"1.0.0"}' },
    { path: 'PaxHeader', type: 'x', content: record },
    { path: 'ignored-short-name', content: 'module.exports = 1' },
  ]);
  const c = readTarball(gzipSync(tar));
  assert.deepEqual(c.entries.map((e) => [e.path, e.type]), [['', 'directory'], ['package.json', 'file'], [long.slice(8), 'file']]);
  assert.equal(Buffer.from(c.entries[2].data!).toString(), 'module.exports = 1');
});

test('a tar bomb (too many entries) is a clear error', () => {
  const files = Array.from({ length: 20_001 }, (_, i) => ({ path: `package/f${i}`, content: '' }));
  const r = auditBytes(gzipSync(buildTar(files)));
  assert.equal(r.status, 'error');
  assert.equal(r.status === 'error' && r.kind, 'bomb');
  assert.match(r.status === 'error' ? r.reason : '', /more than 20000 entries/);
});

test('a gzip bomb (high ratio) stops at the cap, with bounded memory', () => {
  // 40 MB of zeros gzip to ~40 KB: a ratio of ~1000.
  const gz = gzipSync(Buffer.concat([tarHeader({ path: 'package/zeros' }, 40 * 1024 * 1024), Buffer.alloc(40 * 1024 * 1024)]));
  const before = process.memoryUsage().rss;
  const r = auditBytes(gz);
  assert.equal(r.status, 'error');
  assert.equal(r.status === 'error' && r.kind, 'bomb');
  assert.match(r.status === 'error' ? r.reason : '', /gzip bomb/);
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'did not inflate the whole thing');
});

test('more than 64 MiB decompressed is refused even at a plausible ratio', () => {
  assert.throws(() => readTarball(gzipSync(Buffer.alloc(1024)), { maxCompressedBytes: 1e9, maxUnpackedBytes: 600, maxRatio: 1e6, maxEntries: 10, maxPathLength: 100, maxFileBytes: 100 }), (e: unknown) => e instanceof TarError && e.kind === 'too-large');
});

test('a 2 GB declared size is a clear error, nothing allocated for it', () => {
  const tar = Buffer.concat([tarHeader({ path: 'package/huge.bin' }, 2 * 1024 ** 3), Buffer.alloc(2048)]);
  const r = auditBytes(gzipSync(tar));
  assert.equal(r.status, 'error');
  assert.equal(r.status === 'error' && r.kind, 'bomb');
  assert.match(r.status === 'error' ? r.reason : '', /declares 2147483648 bytes/);
});

test('an over-long path is a clear error', () => {
  const name = 'a'.repeat(2000);
  const pax = `path=${name}\n`;
  const len = pax.length + 5;
  const r = auditBytes(gzipSync(buildTar([{ path: 'PaxHeader', type: 'x', content: `${len} ${pax}` }, { path: 'x', content: '' }])));
  assert.equal(r.status, 'error');
  assert.match(r.status === 'error' ? r.reason : '', /pax path of 2000 characters/);
});

test('an integrity mismatch is an error and nothing is read', () => {
  const gz = buildPackageTarball({ name: 'p', version: '1.0.0' });
  const other = sriOf(Buffer.from('something else'));
  const r = auditBytes(gz, other);
  assert.equal(r.status, 'error');
  assert.equal(r.status === 'error' && r.kind, 'integrity');
  // Garbage with a mismatching hash is refused before gunzip would complain about it.
  const junk = auditBytes(Buffer.from('not gzip at all'), other);
  assert.equal(junk.status === 'error' && junk.kind, 'integrity');
  // sha1 shasum only when nothing stronger is given.
  const sha1 = auditTarballBytes('p', '1.0.0', gz, { shasum: '0'.repeat(40) });
  assert.equal(sha1.status === 'error' && sha1.kind, 'integrity');
  const none = auditTarballBytes('p', '1.0.0', gz, {});
  assert.equal(none.status === 'error' && none.kind, 'integrity');
});

test('damaged archives are errors, not crashes', () => {
  const good = buildTar([{ path: 'package/package.json', content: '{}' }]);
  const badSum = Buffer.from(good);
  badSum[0] ^= 1;
  for (const bytes of [Buffer.from('garbage'), gzipSync(badSum), gzipSync(good.subarray(0, 700)), gzipSync(Buffer.alloc(100, 0x41))]) {
    const r = auditBytes(bytes);
    assert.ok(r.status === 'error' || r.status === 'ok');
  }
  const r = auditBytes(gzipSync(badSum));
  assert.equal(r.status === 'error' && r.kind, 'malformed');
});
