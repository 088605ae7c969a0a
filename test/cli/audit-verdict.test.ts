import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { buildPackageTarball, sriOf } from '../support/tar-writer';
import { npmLockText, tempProject } from '../support/fixtures';
import * as shapes from '../fixtures/audit/packages';

/**
 * The audit feeds the verdict (#14 item 5): what `scan --audit` read in a version's tarball
 * raises or lowers `install-script` and `trust-change`. Every package here is published as
 * a hijacked release looks in registry data: the version before it had no install script,
 * this one (ten days old) adds one and was published by someone else. On metadata alone
 * that is an install-script warning and a trust-change warning; the audit then says which
 * ones are build steps (esbuild, core-js, @parcel/watcher, a prebuilt binary from the
 * package's own GitHub release: not warnings) and which one posts the environment (an
 * error). Loopback registry, real tarballs, the built CLI.
 */
const CLI = path.resolve(__dirname, '../../dist/cli.js');
const DAY = 86_400_000;
let registry: FakeRegistry;
const tarballs = new Map<string, Buffer>();
const dirs: string[] = [];

const benign = [shapes.esbuildLike, shapes.coreJsLike, shapes.parcelWatcherLike, shapes.ownReleaseDownload];
const all = [...benign, shapes.envStealer, shapes.codeDownloadElsewhere];
const nameOf = (s: shapes.PackageShape) => String(s.manifest.name);
const versionOf = (s: shapes.PackageShape) => String(s.manifest.version);

function publish(shape: shapes.PackageShape) {
  const name = nameOf(shape);
  const version = versionOf(shape);
  const bytes = buildPackageTarball(shape.manifest, shape.files);
  tarballs.set(name, bytes);
  // The release before: the same files (prebuilt binaries included), no install script.
  const { scripts: _scripts, ...manifest } = shape.manifest;
  const previous = buildPackageTarball({ ...manifest, version: '0.0.9' }, shape.files);
  const repository = (shape.manifest.repository as { type: string; url: string } | undefined) ?? 'github:acme/x';
  const now = Date.now();
  registry.addPackage(name, {
    created: new Date(now - 900 * DAY).toISOString(),
    versions: {
      '0.0.9': { tarball: previous, repository, npmUser: 'alice', time: new Date(now - 400 * DAY).toISOString() },
      [version]: { tarball: bytes, repository, npmUser: 'mallory', scripts: shape.manifest.scripts as Record<string, string>, time: new Date(now - 10 * DAY).toISOString() },
    },
  });
}

before(async () => {
  registry = await startFakeRegistry();
  for (const s of all) publish(s);
});
after(async () => {
  await registry.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(): string {
  const lock: Record<string, { version: string; resolved: string; integrity: string; hasInstallScript: boolean }> = {};
  for (const s of all) {
    const name = nameOf(s);
    const version = versionOf(s);
    lock[name] = { version, resolved: `${registry.url}${name}/-/${name.replace(/^@[^/]+\//, '')}-${version}.tgz`, integrity: sriOf(tarballs.get(name)!), hasInstallScript: true };
  }
  const deps = Object.fromEntries(Object.entries(lock).map(([n, e]) => [n, e.version]));
  const dir = tempProject({ 'package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps }, null, 2), 'package-lock.json': npmLockText(lock) });
  dirs.push(dir);
  return dir;
}

interface F {
  rule: string;
  severity: string;
  package?: string;
  message: string;
  evidence?: string[];
}

async function scan(dir: string, cache: string, ...flags: string[]): Promise<F[]> {
  const env = { ...process.env, NO_COLOR: '1', NPM_CONFIG_USERCONFIG: '/nonexistent', NPM_CONFIG_GLOBALCONFIG: '/nonexistent', HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '' };
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'scan', dir, '--registry', registry.url, '--no-advisories', '--cache-dir', cache, '--format', 'json', '--fail-on', 'never', ...flags], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).findings as F[];
}

function newCache(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'depwarden-audit-verdict-cache-'));
  dirs.push(d);
  return d;
}

const of = (findings: F[], rule: string, name: string) => {
  const found = findings.filter((f) => f.rule === rule && f.package === name);
  assert.equal(found.length, 1, `${rule} on ${name}: ${JSON.stringify(findings.filter((f) => f.package === name), null, 1)}`);
  return found[0];
};
const show = (f: F) => JSON.stringify(f, null, 1);

test('on registry data alone every one of them is an install-script and a trust-change warning (the audit has something to lower)', async () => {
  const findings = await scan(project(), newCache());
  for (const s of all) {
    assert.equal(of(findings, 'install-script', nameOf(s)).severity, 'warning', nameOf(s));
    assert.equal(of(findings, 'trust-change', nameOf(s)).severity, 'warning', nameOf(s));
  }
});

test('--audit: esbuild, core-js, @parcel/watcher and own-release shapes are not warnings; the postinstall that posts process.env is an error with file:line', async () => {
  const cache = newCache();
  const dir = project();
  const findings = await scan(dir, cache, '--audit');
  for (const s of benign) {
    const name = nameOf(s);
    for (const f of findings.filter((x) => x.package === name)) assert.ok(f.severity === 'info', `${name}: ${show(f)}`);
    const script = of(findings, 'install-script', name);
    assert.match(script.message, /Not a warning: audited: nothing suspicious in what it runs at install/, show(script));
    assert.ok(script.evidence?.some((e) => /answered by the audit/.test(e)), show(script));
    const trust = of(findings, 'trust-change', name);
    assert.match(trust.message, /Not a warning: audited: nothing suspicious/, show(trust));
  }
  // The prebuilt binary from the package's own GitHub release is named as such.
  assert.match(of(findings, 'install-script', 'fast-cli').message, /own GitHub releases/);

  const script = of(findings, 'install-script', 'env-stealer');
  assert.equal(script.severity, 'error', show(script));
  assert.match(script.message, /An error: audited: .*whole environment.* \(index\.js:3\)/, show(script));
  assert.ok(script.evidence?.some((e) => /^audit: high env-exfiltration index\.js:3: .*process\.env/.test(e)), show(script));
  const trust = of(findings, 'trust-change', 'env-stealer');
  assert.equal(trust.severity, 'error', show(trust));
  assert.match(trust.message, /audited: .*\(index\.js:\d+\)/);
  assert.ok(trust.evidence?.some((e) => /^postinstall script new or changed since 0\.0\.9: node index\.js/.test(e)), show(trust));

  // A download made executable from an unrelated host is one more fact: with the new hook, a warning that says so.
  const download = of(findings, 'install-script', 'helper-bin');
  assert.equal(download.severity, 'warning', show(download));
  assert.match(download.message, /A warning because .*audited: install-time code downloads and marks a file executable \(setup\.js:\d+\)/, show(download));

  // A later plain scan (no --audit, offline even) reads the audits from the cache by
  // lockfile integrity: the same verdicts, and no tarball is downloaded.
  registry.requests.length = 0;
  const plain = await scan(dir, cache);
  assert.ok(!registry.requests.some((r) => r.path.endsWith('.tgz')), 'a tarball was downloaded without --audit');
  const verdicts = (fs: F[]) => fs.filter((f) => f.rule === 'install-script' || f.rule === 'trust-change' || f.rule === 'suspicious-code').map((f) => `${f.rule} ${f.package} ${f.severity}`).sort();
  assert.deepEqual(verdicts(plain), verdicts(findings));
  const offline = await scan(dir, cache, '--offline');
  assert.equal(of(offline, 'install-script', 'env-stealer').severity, 'error', 'offline, the cached audit still makes the stealer an error');
});
