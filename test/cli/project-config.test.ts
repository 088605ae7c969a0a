import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { npmLockText, tempProject } from '../support/fixtures';
import { startFakeRegistry } from '../support/fake-registry';
import { runCli, runCliSync } from '../support/cli';

const CACHE = mkdtempSync(path.join(tmpdir(), 'depwarden-cli-config-cache-'));

const MANIFEST = JSON.stringify({ name: 'app', dependencies: { expresss: '1.0.0', 'corp-lib': '1.0.0' } }, null, 2);
const LOCK = npmLockText({ expresss: '1.0.0', 'corp-lib': { version: '1.0.0', resolved: 'https://npm.corp.example/corp-lib/-/corp-lib-1.0.0.tgz' } });

function run(dir: string, ...args: string[]) {
  const r = runCliSync(['scan', dir, '--offline', '--cache-dir', CACHE, ...args]);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

function rulesOf(stdout: string): string[] {
  return (JSON.parse(stdout).findings as { rule: string; severity: string; suppressed?: unknown }[]).filter((f) => !f.suppressed && f.rule !== 'lookup-incomplete').map((f) => `${f.rule} ${f.severity}`);
}

test('the output names the policy applied: a text line, a JSON "policy", SARIF run properties', (t) => {
  const config = { rules: { typosquat: 'error', 'missing-lockfile': 'off' }, allowedHosts: ['npm.corp.example'], cooldownDays: 7, suppressions: [] };
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK, '.depwarden.json': JSON.stringify(config) });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const applied = ['2 rule overrides', 'cooldownDays 7', '1 allowed host'];
  const text = run(dir, '--fail-on', 'never');
  assert.match(text.stdout, /^Policy: \.depwarden\.json \(2 rule overrides, cooldownDays 7, 1 allowed host\)\.$/m);
  assert.match(text.stderr, /policy: \.depwarden\.json \(2 rule overrides/);
  assert.deepEqual(JSON.parse(run(dir, '--format', 'json', '--quiet', '--fail-on', 'never').stdout).policy, { file: '.depwarden.json', applied });
  assert.deepEqual(JSON.parse(run(dir, '--format', 'sarif', '--quiet', '--fail-on', 'never').stdout).runs[0].properties.policy, { file: '.depwarden.json', applied });
  // Without a file: no policy line, no "policy" key.
  const bare = tempProject({ 'package.json': MANIFEST });
  t.after(() => rmSync(bare, { recursive: true, force: true }));
  assert.doesNotMatch(run(bare, '--fail-on', 'never').stdout, /Policy:/);
  assert.equal(JSON.parse(run(bare, '--format', 'json', '--quiet', '--fail-on', 'never').stdout).policy, undefined);
});

test('flags override the file: --rule, --typosquat-allow and --allowed-host', (t) => {
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK, '.depwarden.json': JSON.stringify({ rules: { typosquat: 'error' } }) });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const json = (...flags: string[]) => rulesOf(run(dir, '--format', 'json', '--quiet', '--fail-on', 'never', ...flags).stdout);
  const fromFile = json();
  assert.ok(fromFile.includes('typosquat error') && fromFile.includes('lockfile-host error'), fromFile.join('\n'));
  assert.ok(json('--rule', 'typosquat=info').includes('typosquat info'));
  assert.ok(!json('--typosquat-allow', 'expresss').some((r) => r.startsWith('typosquat')));
  assert.ok(!json('--allowed-host', 'npm.corp.example').some((r) => r.startsWith('lockfile-host')));
  // Exit code follows the effective severity: the file's error fails, the flag's info passes.
  assert.equal(run(dir, '--quiet', '--allowed-host', 'npm.corp.example').status, 1);
  assert.equal(run(dir, '--quiet', '--allowed-host', 'npm.corp.example', '--rule', 'typosquat=info', '--rule', 'missing-lockfile=off').status, 0);
});

test('a broken .depwarden.json fails CI: each problem is an unparsed-file error, even when it sets unparsed-file off', (t) => {
  const dir = tempProject({ 'package.json': MANIFEST, '.depwarden.json': '{ "rules": { "unparsed-file": "off", "typosquat": "quiet" }, "cooldownDay": 7, ' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = run(dir, '--format', 'json', '--quiet');
  assert.equal(r.status, 1);
  const own = (JSON.parse(r.stdout).findings as { rule: string; severity: string; file: string; message: string }[]).filter((f) => f.file === '.depwarden.json');
  assert.ok(own.length >= 3 && own.every((f) => f.rule === 'unparsed-file' && f.severity === 'error'), JSON.stringify(own));
  assert.ok(own.some((f) => /unknown property "cooldownDay"/.test(f.message)));
  assert.ok(own.some((f) => /the severity of "typosquat" must be/.test(f.message)));
  assert.ok(own.some((f) => /JSON syntax error/.test(f.message)));
});

test('usage errors for the new flags', () => {
  for (const [flag, value] of [['--cooldown-days', 'soon'], ['--cooldown-days', '-1'], ['--new-package-days', ''], ['--allowed-host', ' '], ['--typosquat-allow', '']]) {
    const r = runCliSync(['scan', '.', `${flag}=${value}`]);
    assert.equal(r.code, 2, `${flag}=${value}`);
  }
  const help = runCliSync(['--help']).stdout;
  for (const flag of ['--allowed-host', '--typosquat-allow', '--cooldown-days', '--new-package-days', '.depwarden.json']) assert.ok(help.includes(flag), flag);
});

test('a project file cannot choose the registry: names go to the one the user gave, never to the file\'s', async (t) => {
  const [mine, theirs] = await Promise.all([startFakeRegistry(), startFakeRegistry()]);
  mine.addPackage('expresss', { versions: { '1.0.0': {} } });
  const dir = tempProject({ 'package.json': JSON.stringify({ name: 'app', dependencies: { expresss: '1.0.0' } }), '.depwarden.json': JSON.stringify({ registry: theirs.url, advisories: { url: theirs.url } }) });
  t.after(async () => {
    await Promise.all([mine.close(), theirs.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  // Asynchronously: the registries answer from this process.
  const { stdout } = await runCli(['scan', dir, '--registry', mine.url, '--no-advisories', '--cache-dir', CACHE, '--format', 'json', '--quiet', '--fail-on', 'never']);
  assert.ok(mine.requestsFor('expresss').length > 0);
  assert.equal(theirs.requests.length, 0);
  const refused = (JSON.parse(stdout).findings as { file: string; message: string }[]).filter((f) => f.file === '.depwarden.json').map((f) => f.message);
  assert.ok(refused.some((m) => /"registry" is ignored: a project file may not set it/.test(m)), refused.join('\n'));
  assert.ok(refused.some((m) => /"advisories" is ignored/.test(m)));
});

test('--no-project-config: a change that turns rules off or suppresses what it adds cannot pass CI', (t) => {
  const config = { rules: { typosquat: 'off', 'lockfile-host': 'off' }, suppressions: [{ rule: 'typosquat', package: 'expresss', version: '1.0.0', reason: 'trust me' }] };
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK, '.depwarden.json': JSON.stringify(config) });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The file alone lets it through.
  assert.equal(run(dir, '--quiet', '--rule', 'missing-lockfile=off').status, 0);
  const ignored = run(dir, '--format', 'json', '--quiet', '--fail-on', 'never', '--no-project-config');
  const findings = JSON.parse(ignored.stdout) as { policy: unknown; findings: { rule: string; suppressed?: unknown }[] };
  assert.deepEqual(findings.policy, { file: '.depwarden.json', applied: [], ignored: true });
  assert.ok(findings.findings.some((f) => f.rule === 'typosquat' && !f.suppressed));
  assert.ok(findings.findings.some((f) => f.rule === 'lockfile-host'));
  const text = run(dir, '--no-project-config');
  assert.equal(text.status, 1);
  assert.match(text.stdout, /^Policy: \.depwarden\.json ignored \(--no-project-config\)\.$/m);
  assert.match(text.stderr, /\.depwarden\.json ignored/);
});
