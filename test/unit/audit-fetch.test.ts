import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PackageAuditor } from '../../server/src/engine/audit';
import { parseNpmrc } from '../../server/src/engine/policy/npmrc';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { buildPackageTarball, sriOf } from '../support/tar-writer';
import * as shapes from '../fixtures/audit/packages';
import { sameRegistryHost } from '../../server/src/engine/rules/allowed-hosts';

let registry: FakeRegistry;
const tarball = buildPackageTarball(shapes.envStealer.manifest, shapes.envStealer.files);

before(async () => {
  registry = await startFakeRegistry();
  registry.addPackage('env-stealer', { versions: { '1.0.1': { tarball } } });
});
after(() => registry.close());

function auditor(npmrcText = '') {
  const npmrc = parseNpmrc([`registry=${registry.url}\n${npmrcText}`]);
  return new PackageAuditor({ npmrc, offline: false, http: { retries: 0 } });
}

test('downloads through the data plane client, with the registry token on the registry host only', async () => {
  const host = new URL(registry.url).host;
  const a = auditor(`//${host}/:_authToken=secret-token\n`);
  registry.requests.length = 0;
  const r = await a.audit({ name: 'env-stealer', version: '1.0.1' });
  await a.close();
  assert.equal(r.status, 'ok');
  assert.equal(r.status === 'ok' && r.integrity, sriOf(tarball));
  const tgz = registry.requests.find((q) => q.path.endsWith('.tgz'));
  assert.ok(tgz, 'the tarball was fetched');
  assert.equal(tgz.headers.authorization, 'Bearer secret-token');
  assert.equal(a.bytesDownloaded > tarball.byteLength, true);
});

test('results are kept by integrity: a locked version audited twice is downloaded once', async () => {
  const a = auditor();
  const lockfile = { integrity: sriOf(tarball) };
  const first = await a.audit({ name: 'env-stealer', version: '1.0.1', lockfile });
  const requests = a.requests;
  const second = await a.audit({ name: 'env-stealer', version: '1.0.1', lockfile });
  await a.close();
  assert.equal(first.status, 'ok');
  assert.equal(second.status === 'ok' && second.fromCache, true);
  assert.equal(a.requests, requests, 'no request for the cached result');
});

test("a lockfile's integrity wins over the packument's, and a resolved URL off the registry host is refused", async () => {
  const a = auditor();
  const mismatch = await a.audit({ name: 'env-stealer', version: '1.0.1', lockfile: { integrity: sriOf(Buffer.from('what the lockfile recorded')) } });
  assert.equal(mismatch.status === 'error' && mismatch.kind, 'integrity');
  const elsewhere = await a.audit({ name: 'env-stealer', version: '1.0.1', lockfile: { resolved: 'https://evil.example/env-stealer-1.0.1.tgz' } });
  await a.close();
  assert.equal(elsewhere.status === 'error' && elsewhere.kind, 'disallowed-url');
  assert.ok(!registry.requests.some((q) => q.path.includes('evil')));
});

test('registry faults are error results, not exceptions', async () => {
  const a = auditor();
  registry.fault('env-stealer/-/env-stealer-1.0.1.tgz', { kind: 'huge', bytes: 40 * 1024 * 1024 });
  const huge = await a.audit({ name: 'env-stealer', version: '1.0.1' });
  registry.clearFaults();
  registry.fault('env-stealer', { kind: 'status', status: 500 });
  const down = await a.audit({ name: 'env-stealer', version: '1.0.1' });
  registry.clearFaults();
  await a.close();
  assert.equal(huge.status === 'error' && huge.kind, 'too-large');
  assert.match(huge.status === 'error' ? huge.reason : '', /too large/);
  assert.equal(down.status === 'error' && down.kind, 'network');
});

test("yarn classic's registry.yarnpkg.com is npm's registry host for a lockfile's resolved URL; other hosts are not", () => {
  assert.ok(sameRegistryHost('registry.yarnpkg.com', 'registry.npmjs.org'));
  assert.ok(sameRegistryHost('registry.npmjs.org', 'registry.npmjs.org'));
  assert.ok(!sameRegistryHost('registry.yarnpkg.com.evil.example', 'registry.npmjs.org'));
  assert.ok(!sameRegistryHost(undefined, 'registry.npmjs.org'));
});
