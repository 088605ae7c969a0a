import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { runCli } from '../support/cli';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { buildPackageTarball, buildTar, sriOf, tarHeader } from '../support/tar-writer';
import * as shapes from '../fixtures/audit/packages';

let registry: FakeRegistry;

// No user .npmrc: the test must not pick up the machine's registry or tokens, nor a proxy.
const run = (args: string[]) => runCli(args, { hermetic: true });

const times: number[] = [];
async function audit(spec: string, ...extra: string[]) {
  const r = await run(['audit', spec, '--registry', registry.url, ...extra]);
  times.push(r.ms);
  return r;
}

function publish(shape: shapes.PackageShape, extraVersions: Record<string, Buffer> = {}) {
  const versions: Record<string, { tarball: Uint8Array }> = {};
  for (const [v, bytes] of Object.entries(extraVersions)) versions[v] = { tarball: bytes };
  versions[String(shape.manifest.version)] = { tarball: buildPackageTarball(shape.manifest, shape.files) };
  registry.addPackage(String(shape.manifest.name), { versions });
}

before(async () => {
  registry = await startFakeRegistry();
  publish(shapes.envStealer);
  publish(shapes.obfuscatedLoaderPkg);
  publish(shapes.wormPkg());
  publish(shapes.esbuildLike);
  publish(shapes.coreJsLike);
  publish(shapes.parcelWatcherLike);
  publish(shapes.nodeGypLike);
  // A patch release that adds a binary.
  const base = { name: 'tiny-lib', version: '1.0.0' };
  publish({ manifest: { ...base, version: '1.0.1' }, files: [{ path: 'lib/index.js', content: 'module.exports = 1;\n' }, { path: 'lib/helper', content: shapes.elfBytes() }] }, {
    '1.0.0': buildPackageTarball(base, [{ path: 'lib/index.js', content: 'module.exports = 1;\n' }]),
  });
  const bombs: Record<string, Buffer> = {
    'tar-bomb': gzipSync(buildTar(Array.from({ length: 20_001 }, (_, i) => ({ path: `package/f${i}`, content: '' })))),
    'gzip-bomb': gzipSync(Buffer.concat([tarHeader({ path: 'package/zeros' }, 40 * 1024 * 1024), Buffer.alloc(40 * 1024 * 1024)])),
    'huge-size': gzipSync(Buffer.concat([tarHeader({ path: 'package/huge.bin' }, 2 * 1024 ** 3), Buffer.alloc(2048)])),
    traversal: gzipSync(buildTar([{ path: 'package/package.json', content: '{"name":"traversal","version":"1.0.0"}' }, { path: 'package/../../.bashrc', content: 'x', raw: true }])),
  };
  for (const [name, bytes] of Object.entries(bombs)) registry.addPackage(name, { versions: { '1.0.0': { tarball: bytes } } });
  const good = buildPackageTarball({ name: 'mismatch', version: '1.0.0' });
  registry.addPackage('mismatch', { versions: { '1.0.0': { tarball: good, integrity: sriOf(Buffer.from('other bytes')) } } });
});

after(async () => {
  await registry.close();
  const sorted = [...times].sort((a, b) => a - b);
  const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  console.log(`# audit CLI runs: ${sorted.length}, median ${pct(0.5)} ms, p95 ${pct(0.95)} ms (process start included)`);
});

test('a postinstall that posts the environment: exit 1, file:line evidence', async () => {
  const r = await audit('env-stealer@1.0.1');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /HIGH {3}env-exfiltration {2}index\.js:3 {2}\(install time\)/);
  assert.match(r.stdout, /HIGH {3}exfil-endpoint {2}index\.js:4/);
  assert.match(r.stderr, /bytes downloaded/);
});

test('json output: signals with file, line and evidence', async () => {
  const r = await audit('color-helpers', '--format', 'json', '--quiet');
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout);
  assert.equal(out.status, 'ok');
  assert.equal(out.package.version, '2.0.0', 'latest by default');
  const ids = out.signals.map((s: { id: string }) => s.id);
  for (const id of ['obfuscated-identifiers', 'packed-blob', 'decode-eval']) assert.ok(ids.includes(id), ids.join());
  const s = out.signals.find((x: { id: string }) => x.id === 'decode-eval');
  assert.deepEqual([s.file, s.line, typeof s.evidence], ['lib/loader.js', 33, 'string']);
  assert.equal(typeof out.stats.unpackedBytes, 'number');
});

test('a worm-style bundle.js is high', async () => {
  const r = await audit('ngx-bootstrap-utils@3.1.4', '--format', 'json', '--quiet');
  assert.equal(r.code, 1);
  const high = JSON.parse(r.stdout).signals.filter((s: { severity: string }) => s.severity === 'high').map((s: { id: string }) => s.id);
  for (const id of ['worm-bundle', 'worm-secret-scanner', 'worm-workflow-write']) assert.ok(high.includes(id), high.join());
});

test('a binary new in a patch release is reported against the previous version', async () => {
  const r = await audit('tiny-lib@1.0.1', '--format', 'json', '--quiet');
  const out = JSON.parse(r.stdout);
  assert.equal(out.previousVersion, '1.0.0');
  assert.deepEqual(out.signals.map((s: { id: string; file: string }) => [s.id, s.file]), [['new-native-binary', 'lib/helper']]);
});

for (const spec of ['esbuild@0.20.0', 'core-js@3.8.0', '@parcel/watcher@2.1.0', 'bcrypt-like@5.0.0']) {
  test(`benign install script is not high: ${spec}`, async () => {
    const r = await audit(spec, '--quiet');
    assert.equal(r.code, 0, r.stdout);
  });
}

for (const [name, pattern] of [
  ['tar-bomb', /not audited \(bomb\): more than 20000 entries/],
  ['gzip-bomb', /not audited \(bomb\): gzip bomb/],
  ['huge-size', /not audited \(bomb\): entry declares 2147483648 bytes/],
  ['mismatch', /not audited \(integrity\): integrity mismatch/],
] as const) {
  test(`${name}: a clear error, exit 1, no crash`, async () => {
    const r = await audit(`${name}@1.0.0`, '--quiet');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, pattern);
    assert.equal(r.stderr, '');
  });
}

test('a path-traversal entry is a high signal', async () => {
  const r = await audit('traversal@1.0.0', '--quiet');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /HIGH {3}unsafe-entry {2}package\/\.\.\/\.\.\/\.bashrc/);
});

test('not found, offline and usage errors exit 2', async () => {
  const missing = await audit('no-such-package@1.0.0', '--quiet');
  assert.equal(missing.code, 2);
  assert.match(missing.stdout, /not audited \(not-found\)/);
  const noVersion = await audit('env-stealer@9.9.9', '--quiet');
  assert.equal(noVersion.code, 2);
  const offline = await audit('env-stealer@1.0.1', '--offline', '--quiet');
  assert.equal(offline.code, 2);
  assert.match(offline.stdout, /not audited \(offline\)/);
  for (const args of [['audit'], ['audit', 'a@1', 'b@2'], ['audit', 'x@1', '--format', 'sarif'], ['audit', '../etc@1'], ['audit', 'x@1', '--registry', 'file:///etc']]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /Usage: depwarden audit/);
  }
});

test('hostile text in evidence and scripts is shown escaped', async () => {
  registry.addPackage('ansi-pkg', {
    versions: { '1.0.0': { tarball: buildPackageTarball({ name: 'ansi-pkg', version: '1.0.0', scripts: { postinstall: 'node i.js \u001b[2K\u001b[1A' } }, [{ path: 'i.js', content: "fetch('https://webhook.site/\u001b]8;;x\u0007')" }]) } },
  });
  const r = await audit('ansi-pkg@1.0.0', '--quiet');
  assert.ok(!r.stdout.includes('\u001b'), r.stdout);
  assert.match(r.stdout, /\\x1b/);
});
