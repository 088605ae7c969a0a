// `depwarden scan` in CI on a hostile repository (issue 10, rows 2 and 8): a lockfile
// committed as a symlink, a FIFO or a deeply nested package.json must never make the gate
// pass by being skipped, hang the run, or crash it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { npmLockText, tempProject } from '../support/fixtures';
import { runCliSync } from '../support/cli';

const CACHE = mkdtempSync(path.join(tmpdir(), 'depwarden-cli-cache-'));
const POSIX = process.platform !== 'win32';

interface JsonFinding {
  rule: string;
  file: string;
  message: string;
}

/** Runs `scan --format json --offline`; a run that hangs is killed and fails the test. */
function scan(dir: string) {
  const r = runCliSync(['scan', dir, '--format', 'json', '--offline', '--quiet', '--cache-dir', CACHE], { timeout: 30_000 });
  assert.equal(r.signal, null, `the scan was killed (${r.signal}): it hung`);
  const out = r.stdout ? (JSON.parse(r.stdout) as { findings: JsonFinding[] }) : { findings: [] };
  return { code: r.code, findings: out.findings, stdout: r.stdout, stderr: r.stderr };
}

// Two errors (insecure-url, lockfile-host) and a warning, offline.
const LOCK = npmLockText({ 'left-pad': { version: '1.3.0', resolved: 'http://evil.example/left-pad-1.3.0.tgz' } });
const MANIFEST = JSON.stringify({ name: 'app', dependencies: { 'left-pad': '1.3.0' } }, null, 2);

function project(t: { after(fn: () => void): void }, files: Record<string, string> = { 'package.json': MANIFEST }): string {
  const dir = tempProject(files, 'depwarden-hostile-cli-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ruleFile = (fs: JsonFinding[]) => fs.map((f) => `${f.rule} ${f.file}`).sort();

test('a package-lock.json committed as a symlink to a file in the project is scanned like the file itself', { skip: !POSIX }, (t) => {
  const regular = project(t, { 'package.json': MANIFEST, 'package-lock.json': LOCK });
  const linked = project(t, { 'package.json': MANIFEST, 'lock.real.json': LOCK });
  symlinkSync('lock.real.json', path.join(linked, 'package-lock.json'));
  const a = scan(regular);
  const b = scan(linked);
  assert.equal(a.code, 1);
  assert.equal(b.code, 1, 'the gate fails, as for the regular file');
  assert.ok(b.findings.some((f) => f.rule === 'insecure-url' && f.file === 'package-lock.json'), b.stdout);
  assert.deepEqual(ruleFile(b.findings), ruleFile(a.findings));
});

test('a lockfile symlinked out of the project is reported, not read, and fails the gate', { skip: !POSIX }, (t) => {
  const outside = project(t, { 'package-lock.json': LOCK });
  for (const target of ['/etc/passwd', path.join(outside, 'package-lock.json'), '/dev/zero']) {
    const dir = project(t);
    symlinkSync(target, path.join(dir, 'package-lock.json'));
    const r = scan(dir);
    assert.equal(r.code, 1, target);
    const unparsed = r.findings.filter((f) => f.rule === 'unparsed-file');
    assert.deepEqual(unparsed.map((f) => f.file), ['package-lock.json'], target);
    assert.match(unparsed[0].message, /symlink to a path outside the workspace/);
    assert.ok(!r.findings.some((f) => f.rule === 'insecure-url'), 'the target was not read');
    assert.ok(!r.stdout.includes('root:'), 'nothing of /etc/passwd is shown');
  }
});

test('a FIFO named package-lock.json does not hang the scan, and fails the gate', { skip: !POSIX }, (t) => {
  const dir = project(t);
  execFileSync('mkfifo', [path.join(dir, 'package-lock.json')]);
  mkdirSync(path.join(dir, 'sub'));
  execFileSync('mkfifo', [path.join(dir, 'sub', 'pipe')]);
  symlinkSync('pipe', path.join(dir, 'sub', 'yarn.lock'));
  const r = scan(dir);
  assert.equal(r.code, 1);
  const unparsed = r.findings.filter((f) => f.rule === 'unparsed-file');
  assert.deepEqual(unparsed.map((f) => f.file).sort(), ['package-lock.json', 'sub/yarn.lock']);
  for (const f of unparsed) assert.match(f.message, /not a regular file \(a named pipe\)/);
});

test('a huge lockfile behind a symlink is reported with the size, not read', { skip: !POSIX }, (t) => {
  const dir = project(t);
  writeFileSync(path.join(dir, 'big.json'), '');
  truncateSync(path.join(dir, 'big.json'), 65 * 1024 * 1024); // sparse: no disk space used
  symlinkSync('big.json', path.join(dir, 'package-lock.json'));
  const r = scan(dir);
  assert.equal(r.code, 1);
  const unparsed = r.findings.filter((f) => f.rule === 'unparsed-file');
  assert.deepEqual(unparsed.map((f) => f.file), ['package-lock.json']);
  assert.match(unparsed[0].message, /over the 67108864-byte limit/);
});

test('a 5,000-level nested package.json is one unparsed file; the rest of the folder is still scanned', (t) => {
  const deep = `{"name":"deep","overrides":${'{"a":'.repeat(5000)}"1"${'}'.repeat(5000)}}`;
  const dir = project(t, {
    'package.json': MANIFEST,
    'package-lock.json': LOCK,
    // A policy file nested as deep suppresses nothing (and is reported).
    '.depwarden.json': `{"suppressions":[${'['.repeat(5000)}${']'.repeat(5000)}]}`,
  });
  mkdirSync(path.join(dir, 'deep'));
  writeFileSync(path.join(dir, 'deep', 'package.json'), deep);
  mkdirSync(path.join(dir, 'broken'));
  writeFileSync(path.join(dir, 'broken', 'package.json'), '['.repeat(5000) + ',');
  const r = scan(dir);
  assert.equal(r.code, 1, `fails on the findings, not with a crash (exit 2): ${r.stderr}`);
  const unparsed = r.findings.filter((f) => f.rule === 'unparsed-file');
  assert.deepEqual(unparsed.map((f) => f.file).sort(), ['.depwarden.json', 'broken/package.json', 'deep/package.json']);
  for (const f of unparsed) assert.match(f.message, /nested deeper than 256 levels/);
  assert.ok(r.findings.some((f) => f.rule === 'insecure-url' && f.file === 'package-lock.json'), 'the other files were scanned');
  assert.ok(readFileSync(path.join(dir, 'deep', 'package.json'), 'utf8').length > 20_000);
});
