import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../server/src/cli/main';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { startFakeOsv, type FakeOsv } from '../support/fake-osv';

let reg: FakeRegistry;
let osv: FakeOsv;
let dir: string;
let cacheDir: string;
const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
const OLD = '2019-01-01T00:00:00.000Z';

/** Every remote rule has a package built for it. */
const LOCKED: Record<string, string> = {
  crossenv: '1.0.0', // security-holder
  'gone-pkg': '1.0.0', // unknown-package (404, declared in package.json)
  'pulled-version': '1.0.1', // removed-from-registry (version absent)
  'evil-pkg': '1.0.0', // known-malware (OSV MAL-)
  'ioc-pkg': '2.0.0', // known-malware (--ioc)
  'vuln-pkg': '1.0.0', // known-vulnerability
  'hot-release': '2.0.0', // release-cooldown
  'brand-new': '1.0.0', // new-package
  hijacked: '1.0.1', // trust-change
  'old-request': '2.88.2', // deprecated
  squatted: '99.0.0', // version-anomaly
  'no-repo': '1.0.0', // no-repository
};

before(async () => {
  [reg, osv] = await Promise.all([startFakeRegistry(), startFakeOsv()]);
  const repo = 'git+https://github.com/x/y.git';
  reg.takedown('crossenv', 'placeholder');
  reg.takedown('gone-pkg', '404');
  reg.addPackage('pulled-version', { created: OLD, versions: { '1.0.0': { repository: repo, time: OLD } } });
  reg.addPackage('evil-pkg', { created: OLD, versions: { '1.0.0': { repository: repo, time: OLD } } });
  reg.addPackage('ioc-pkg', { created: OLD, versions: { '2.0.0': { repository: repo, time: OLD } } });
  reg.addPackage('vuln-pkg', { created: OLD, versions: { '1.0.0': { repository: repo, time: OLD } } });
  reg.addPackage('hot-release', { created: OLD, versions: { '1.0.0': { repository: repo, time: OLD }, '2.0.0': { repository: repo, time: day(0.5) } } });
  reg.addPackage('brand-new', { created: day(4), versions: { '1.0.0': { repository: repo, time: day(4) } } });
  reg.addPackage('hijacked', {
    created: OLD,
    versions: { '1.0.0': { repository: repo, time: OLD, npmUser: 'owner' }, '1.0.1': { repository: repo, time: day(20), npmUser: 'intruder' } },
  });
  reg.addPackage('old-request', { created: OLD, versions: { '2.88.2': { repository: repo, time: OLD, deprecated: 'request has been deprecated' } } });
  reg.addPackage('squatted', { created: OLD, versions: { '1.0.0': { repository: repo, time: OLD }, '99.0.0': { repository: repo, time: day(40) } } });
  reg.addPackage('no-repo', { created: OLD, versions: { '1.0.0': { time: OLD } } });
  osv.addRecord({ id: 'MAL-2025-0100', name: 'evil-pkg', versions: ['1.0.0'] });
  osv.addRecord({ id: 'GHSA-test-0001', name: 'vuln-pkg', introduced: '0', fixed: '1.0.5', severity: 'HIGH' });

  dir = await mkdtemp(path.join(tmpdir(), 'depwarden-cli-remote-'));
  cacheDir = path.join(dir, '.cache');
  const deps = Object.fromEntries(Object.entries(LOCKED).map(([n, v]) => [n, v]));
  const packages: Record<string, unknown> = { '': { name: 'fixture', version: '1.0.0', dependencies: deps } };
  for (const [n, v] of Object.entries(LOCKED)) {
    packages[`node_modules/${n}`] = { version: v, resolved: `${reg.url}${n}/-/${n}-${v}.tgz`, integrity: 'sha512-AAAA' };
  }
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture', version: '1.0.0', dependencies: deps }, null, 2));
  await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'fixture', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  await writeFile(path.join(dir, 'iocs.txt'), '# incident list\nioc-pkg@2.0.0\n');
});

after(async () => {
  await Promise.all([reg.close(), osv.close()]);
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
  } as unknown as Parameters<typeof runCli>[1];
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

test('depwarden scan --registry --advisories raises each remote rule; the second scan makes no request', async () => {
  // --public-registry: the loopback registry stands in for npm's (no registry is public by assumption).
  const args = ['scan', dir, '--registry', reg.url, '--public-registry', reg.url, '--advisories', osv.url, '--cache-dir', cacheDir, '--ioc', path.join(dir, 'iocs.txt'), '--format', 'json', '--quiet'];
  const before = { registry: reg.requests.length, osv: osv.requests.length };
  const first = await cli(args);
  assert.equal(first.stderr, '');
  assert.equal(first.code, 1);
  const out = JSON.parse(first.stdout) as { findings: { rule: string; package: string; file: string }[]; summary: { lookupsIncomplete: number } };
  const got = (rule: string) => out.findings.filter((f) => f.rule === rule && f.file === 'package-lock.json').map((f) => f.package).sort();
  assert.deepEqual(got('security-holder'), ['crossenv']);
  assert.deepEqual(got('removed-from-registry'), ['pulled-version']);
  // A declared name gone with a 404 is one unknown-package finding, on the package.json line.
  assert.deepEqual(out.findings.filter((f) => f.rule === 'unknown-package').map((f) => `${f.package} ${f.file}`), ['gone-pkg package.json']);
  assert.deepEqual(got('known-malware'), ['evil-pkg', 'ioc-pkg']);
  assert.deepEqual(got('known-vulnerability'), ['vuln-pkg']);
  assert.deepEqual(got('release-cooldown'), ['hot-release']);
  assert.deepEqual(got('new-package'), ['brand-new']);
  assert.deepEqual(got('trust-change'), ['hijacked']);
  assert.deepEqual(got('deprecated'), ['old-request']);
  assert.deepEqual(got('version-anomaly'), ['squatted']);
  assert.ok(got('no-repository').includes('no-repo'));
  assert.equal(out.summary.lookupsIncomplete, 0);
  assert.equal(reg.requests.length - before.registry, Object.keys(LOCKED).length, 'exactly one registry request per package');

  const mid = { registry: reg.requests.length, osv: osv.requests.length };
  const second = await cli(args);
  assert.deepEqual({ registry: reg.requests.length, osv: osv.requests.length }, mid, 'the warm scan made a request');
  assert.deepEqual(JSON.parse(second.stdout).findings, out.findings);
});

test('--offline with an empty cache: local rules only, lookup-incomplete counted in the summary', async () => {
  const before = reg.requests.length;
  const r = await cli(['scan', dir, '--offline', '--cache-dir', path.join(dir, '.empty-cache'), '--registry', reg.url, '--format', 'json', '--quiet', '--fail-on', 'never']);
  assert.equal(r.code, 0);
  assert.equal(reg.requests.length, before);
  const out = JSON.parse(r.stdout) as { findings: { rule: string }[]; summary: { lookupsIncomplete: number } };
  assert.equal(out.findings.filter((f) => f.rule === 'lookup-incomplete').length, 1);
  assert.equal(out.summary.lookupsIncomplete, Object.keys(LOCKED).length);
  assert.equal(out.findings.filter((f) => f.rule === 'security-holder').length, 0);
});

test('an unreadable --ioc file is exit 2', async () => {
  const r = await cli(['scan', dir, '--offline', '--ioc', path.join(dir, 'nope.txt'), '--quiet']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot read --ioc/);
});
