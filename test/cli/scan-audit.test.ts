import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli, runCliSync } from '../support/cli';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { buildPackageTarball, sriOf } from '../support/tar-writer';
import { npmLockText, tempProject } from '../support/fixtures';
import * as shapes from '../fixtures/audit/packages';

/**
 * `depwarden scan --audit`: the tarballs of locked versions are read (in memory, never
 * run) against the loopback registry, and what they hold becomes `suspicious-code`.
 */
let registry: FakeRegistry;
const tarballs = new Map<string, Buffer>();
const dirs: string[] = [];

const plain: shapes.PackageShape = { manifest: { name: 'plain-lib', version: '1.2.0', main: 'index.js' }, files: [{ path: 'index.js', content: 'module.exports = (a, b) => a + b;\n' }] };

function publish(shape: shapes.PackageShape) {
  const name = String(shape.manifest.name);
  const version = String(shape.manifest.version);
  const bytes = buildPackageTarball(shape.manifest, shape.files);
  tarballs.set(name, bytes);
  const scripts = shape.manifest.scripts as Record<string, string> | undefined;
  registry.addPackage(name, { versions: { [version]: { tarball: bytes, repository: 'github:a/b', ...(scripts ? { scripts } : {}) } } });
}

before(async () => {
  registry = await startFakeRegistry();
  for (const s of [shapes.envStealer, shapes.esbuildLike, plain]) publish(s);
});
after(async () => {
  await registry.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A project locking the three packages; `integrity` overrides what the lockfile records. */
function project(integrity: Record<string, string> = {}): string {
  const lock: Record<string, { version: string; resolved: string; integrity: string; hasInstallScript?: boolean }> = {};
  for (const s of [shapes.envStealer, shapes.esbuildLike, plain]) {
    const name = String(s.manifest.name);
    const version = String(s.manifest.version);
    lock[name] = { version, resolved: `${registry.url}${name}/-/${name}-${version}.tgz`, integrity: integrity[name] ?? sriOf(tarballs.get(name)!), ...(s.manifest.scripts ? { hasInstallScript: true } : {}) };
  }
  const deps = Object.fromEntries(Object.entries(lock).map(([n, e]) => [n, e.version]));
  const dir = tempProject({ 'package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps }, null, 2), 'package-lock.json': npmLockText(lock) });
  dirs.push(dir);
  return dir;
}

/** Asynchronous: the registry answers from this process's event loop while the CLI runs. */
async function scan(dir: string, cache: string, ...flags: string[]) {
  const r = await runCli(['scan', dir, '--registry', registry.url, '--no-advisories', '--cache-dir', cache, '--format', 'json', '--fail-on', 'never', ...flags], { hermetic: true });
  assert.equal(r.code, 0, r.stderr);
  const findings = (JSON.parse(r.stdout).findings as { rule: string; severity: string; package?: string; message: string; evidence?: string[] }[]).filter((f) => f.rule === 'suspicious-code');
  return { findings, stderr: r.stderr };
}

function newCache(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'depwarden-scan-audit-cache-'));
  dirs.push(d);
  return d;
}

test('without --audit nothing is downloaded and no suspicious-code finding appears', async () => {
  const dir = project();
  registry.requests.length = 0;
  const { findings } = await scan(dir, newCache());
  assert.deepEqual(findings, []);
  assert.ok(!registry.requests.some((r) => r.path.endsWith('.tgz')), 'a tarball was downloaded');
});

test('--audit reads the versions with install scripts: the credential stealer is an error with file:line evidence, the plain library is not read', async () => {
  const dir = project();
  const cache = newCache();
  registry.requests.length = 0;
  const { findings, stderr } = await scan(dir, cache, '--audit');
  const stealer = findings.filter((f) => f.package === 'env-stealer');
  assert.equal(stealer.length, 1, JSON.stringify(findings, null, 2));
  assert.equal(stealer[0].severity, 'error', JSON.stringify(stealer[0]));
  assert.match(stealer[0].message, /index\.js:\d+/);
  assert.ok(stealer[0].evidence?.some((e) => /pipedream|env/i.test(e)), stealer[0].evidence?.join('\n'));
  assert.ok(!findings.some((f) => f.package === 'plain-lib'));
  const tgz = registry.requests.filter((r) => r.path.endsWith('.tgz')).map((r) => r.path);
  assert.ok(tgz.some((p) => p.includes('env-stealer')) && tgz.some((p) => p.includes('esbuild')), tgz.join('\n'));
  assert.ok(!tgz.some((p) => p.includes('plain-lib')), 'a version without install scripts was read');
  assert.match(stderr, /audit: 2 versions \(with install scripts\), 0 from cache/);

  // The second run reads the results from the cache by sha512: no tarball is downloaded.
  registry.requests.length = 0;
  const again = await scan(dir, cache, '--audit');
  assert.deepEqual(again.findings.map((f) => `${f.package} ${f.severity}`), findings.map((f) => `${f.package} ${f.severity}`));
  assert.ok(!registry.requests.some((r) => r.path.endsWith('.tgz')), 'the cached audit was downloaded again');
  assert.match(again.stderr, /audit: 2 versions \(with install scripts\), 2 from cache/);
});

test('--audit=all reads every registry version', async () => {
  const { stderr } = await scan(project(), newCache(), '--audit=all');
  assert.match(stderr, /audit: 3 versions \(all\)/);
});

test('a tarball that does not match the lockfile integrity is an error, and its contents are not judged', async () => {
  const other = sriOf(buildPackageTarball({ name: 'esbuild', version: '0.20.0' }, []));
  const { findings } = await scan(project({ esbuild: other }), newCache(), '--audit');
  const esbuild = findings.filter((f) => f.package === 'esbuild');
  assert.equal(esbuild.length, 1, JSON.stringify(findings, null, 2));
  assert.equal(esbuild[0].severity, 'error');
  assert.match(esbuild[0].message, /does not match the integrity/);
});

test('offline, a version that was never audited is said to be not audited (info), never clean', async () => {
  const { findings } = await scan(project(), newCache(), '--audit', '--offline');
  assert.ok(findings.length >= 2 && findings.every((f) => f.severity === 'info' && /not audited/.test(f.message)), JSON.stringify(findings, null, 2));
});

test('--audit takes only =all or =install-scripts', () => {
  const r = runCliSync(['scan', '.', '--audit=everything']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--audit takes =all or =install-scripts/);
});
