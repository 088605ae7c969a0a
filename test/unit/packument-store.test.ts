import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCache } from '../../server/src/engine/data/cache';
import { HttpClient } from '../../server/src/engine/data/http';
import { decodeStored, encodePackument } from '../../server/src/engine/data/packument-store';
import { reducePackument, RegistryClient } from '../../server/src/engine/data/registry-client';
import type { Packument } from '../../server/src/engine/data/remote-data';
import { parseNpmrc } from '../../server/src/engine/policy/npmrc';
import { startFakeRegistry } from '../support/fake-registry';

/** A packument shaped like a busy one: 60 versions, the dependencies changing every 10, one repository. */
function raw(): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = { created: '2020-01-01T00:00:00.000Z' };
  for (let i = 0; i < 60; i++) {
    const v = `1.${i}.0`;
    versions[v] = {
      name: 'busy',
      version: v,
      description: 'x'.repeat(500),
      readme: 'y'.repeat(5000),
      repository: { type: 'git', url: 'git+https://github.com/o/busy.git' },
      dependencies: { a: `^${Math.floor(i / 10)}.0.0`, b: '^2.0.0' },
      optionalDependencies: i % 2 ? { fsevents: '^2.0.0' } : undefined,
      peerDependencies: i > 30 ? { react: '>=18', evil: 'https://evil.example/x.tgz' } : undefined,
      devDependencies: { jest: '^29.0.0' },
      scripts: i === 59 ? { postinstall: 'node setup.js', test: 'jest' } : { test: 'jest' },
      _npmUser: { name: i < 50 ? 'alice' : 'mallory' },
      dist: { integrity: `sha512-${'A'.repeat(86)}==`, tarball: `https://registry.npmjs.org/busy/-/busy-${v}.tgz`, ...(i < 40 ? { attestations: {} } : {}) },
      gitHead: 'a'.repeat(40),
      ...(i === 3 ? { deprecated: 'use 1.4', bin: { busy: 'cli.js' } } : {}),
    };
    time[v] = new Date(Date.UTC(2020, 0, 2 + i)).toISOString();
  }
  return { name: 'busy', 'dist-tags': { latest: '1.59.0' }, versions, time, maintainers: [{ name: 'alice' }], readme: 'z'.repeat(100_000) };
}

/** Everything a packument answers, in the record form, own entries all the way down (records have null prototypes). */
function plain(p: Packument): unknown {
  const versions = Object.fromEntries(p.versionNames.map((v) => [v, p.version(v)]));
  const time = Object.fromEntries(p.timeKeys().map((k) => [k, p.time(k)]));
  return JSON.parse(JSON.stringify({ name: p.name, distTags: p.distTags, versions, time, unpublished: p.unpublished, maintainers: p.maintainers }));
}

test('stored form: decoded it is the reduced packument again, with dependencies and non-registry peers per version', () => {
  const reduced = reducePackument(raw(), 'busy')!;
  const stored = JSON.parse(JSON.stringify(encodePackument(reduced)));
  const decoded = decodeStored(stored)!;
  assert.deepEqual(plain(decoded), plain(reduced));
  const v = decoded.version('1.31.0')!;
  assert.deepEqual({ ...v.nonRegistryPeerDependencies }, { evil: 'https://evil.example/x.tgz' });
  assert.deepEqual({ ...v.dependencies }, { fsevents: '^2.0.0', a: '^3.0.0', b: '^2.0.0' });
  assert.equal(decoded.version('1.3.0')!.deprecated, 'use 1.4');
  assert.equal(decoded.version('1.3.0')!.hasBin, true);
  assert.equal(decoded.version('1.59.0')!.publisher, 'mallory');
  assert.deepEqual({ ...decoded.version('1.59.0')!.scripts }, { postinstall: 'node setup.js' });
  assert.equal(decoded.version('1.39.0')!.hasProvenance, true);
  assert.equal(decoded.version('1.40.0')!.hasProvenance, false);
  // What no rule or hover reads is not kept.
  assert.ok(!JSON.stringify(stored).includes('sha512-'));
  assert.ok(!JSON.stringify(stored).includes('/-/busy-'), 'no tarball URL');
  assert.equal(decoded.version('1.0.0')!.strongIntegrity, true);
});

test('stored form: a version named __proto__ stays a version (a key, never a prototype)', () => {
  const doc = JSON.parse(JSON.stringify(raw()).replace('"versions":{', '"versions":{"__proto__":{"version":"__proto__","scripts":{"postinstall":"x"}},'));
  const reduced = reducePackument(doc, 'busy')!;
  assert.ok(reduced.hasVersion('__proto__'));
  assert.deepEqual({ ...reduced.version('__proto__')!.scripts }, { postinstall: 'x' });
  const decoded = decodeStored(JSON.parse(JSON.stringify(encodePackument(reduced))))!;
  assert.ok(decoded.hasVersion('__proto__'), 'kept through the stored form');
  assert.deepEqual(plain(decoded), plain(reduced));
  assert.equal(({} as Record<string, unknown>).scripts, undefined);
});

test('stored form: versions share one record per distinct dependency set, on disk and in memory', () => {
  const reduced = reducePackument(raw(), 'busy')!;
  const stored = encodePackument(reduced);
  // 6 dependency sets x with/without fsevents, and the peer record.
  assert.ok(stored.records.length <= 13, `${stored.records.length} records`);
  assert.equal(stored.urls.length, 1);
  for (const p of [reduced, decodeStored(JSON.parse(JSON.stringify(stored)))!]) {
    assert.equal(p.version('1.1.0')!.dependencies, p.version('1.3.0')!.dependencies, 'the same object');
    assert.notEqual(p.version('1.1.0')!.dependencies, p.version('1.11.0')!.dependencies);
  }
  const full = JSON.stringify(plain(reduced)).length;
  const compact = JSON.stringify(stored).length;
  assert.ok(compact < full / 2, `stored ${compact} bytes vs ${full} for the reduced form`);
});

test('stored form: indexes out of range and junk are ignored, anything else is not a packument', () => {
  const decoded = decodeStored({ format: 2, name: 'x', distTags: { latest: 7 }, time: {}, records: [{ a: '1' }], urls: [], versions: { '1.0.0': { D: 5, R: -1, P: 0 }, '2.0.0': 'junk' } })!;
  assert.equal(decoded.version('1.0.0')!.dependencies, undefined);
  assert.equal(decoded.version('1.0.0')!.repositoryUrl, undefined);
  assert.deepEqual({ ...decoded.version('1.0.0')!.nonRegistryPeerDependencies }, { a: '1' });
  assert.equal(decoded.version('2.0.0')!, undefined);
  assert.equal(decoded.distTags.latest, undefined);
  assert.equal(decodeStored('nope'), undefined);
  assert.equal(decodeStored({ format: 2 }), undefined);
});

test('the disk cache holds the stored form; a new process reads it back the same', async (t) => {
  const reg = await startFakeRegistry();
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-store-'));
  t.after(async () => {
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  });
  reg.addPackage('shared', { versions: { '1.0.0': { dependencies: { a: '^1.0.0' }, npmUser: 'alice' }, '1.0.1': { dependencies: { a: '^1.0.0' }, npmUser: 'alice' } } });
  const npmrc = parseNpmrc([`registry=${reg.url}`]);
  const lookup = async (offline: boolean) => {
    const registry = new RegistryClient({ npmrc, http: new HttpClient({ timeoutMs: 2000 }), cache: createCache(dir), offline });
    const r = await registry.lookup('shared');
    assert.equal(r.status, 'ok');
    return r.status === 'ok' ? r.packument : undefined;
  };
  const fetched = (await lookup(false))!;
  const line = readFileSync(path.join(dir, 'packument.store'), 'utf8');
  assert.match(line, /"stored":\{"format":2/);
  assert.ok(!line.includes('"integrity"') && !line.includes('"tarball"'), line);
  const fromDisk = (await lookup(true))!;
  assert.deepEqual(plain(fromDisk), plain(fetched));
  assert.equal(fromDisk.version('1.0.0')!.dependencies, fromDisk.version('1.0.1')!.dependencies);
});

test('entries written in the older full form are still read (without integrity and tarball)', () => {
  const old = { name: 'o', distTags: { latest: '1.0.0' }, time: {}, versions: { '1.0.0': { version: '1.0.0', hasRepository: true, hasBin: false, hasProvenance: false, integrity: 'sha512-x', tarball: 'https://r/o.tgz', dependencies: { a: '1' } } } };
  const p = decodeStored(JSON.parse(JSON.stringify(old)))!;
  assert.equal(p.version('1.0.0')!.hasRepository, true);
  assert.deepEqual({ ...p.version('1.0.0')!.dependencies }, { a: '1' });
  assert.ok(!('integrity' in p.version('1.0.0')!) && !('tarball' in p.version('1.0.0')!));
  assert.deepEqual(p.versionNames, ['1.0.0']);
});
