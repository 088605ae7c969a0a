import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { npmLockText } from '../support/fixtures';
import { runCliSync } from '../support/cli';


function git(dir: string, ...args: string[]) {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' });
}

test('depwarden diff lists what a lockfile change adds, upgrades and removes, with findings on the new packages', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-diff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = (deps: string[]) => JSON.stringify({ name: 'app', dependencies: Object.fromEntries(deps.map((d) => [d, '*'])) }, null, 2);
  writeFileSync(path.join(dir, 'package.json'), manifest(['a', 'b', 'gone']));
  writeFileSync(path.join(dir, 'package-lock.json'), npmLockText({ a: { version: '1.0.0' }, b: { version: '2.0.0' }, gone: { version: '1.0.0' } }));
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  writeFileSync(path.join(dir, 'package.json'), manifest(['a', 'b', 'newcomer']));
  writeFileSync(
    path.join(dir, 'package-lock.json'),
    npmLockText({ a: { version: '1.0.0' }, b: { version: '2.1.0' }, newcomer: { version: '0.0.1', hasInstallScript: true, resolved: 'http://evil.example.com/newcomer-0.0.1.tgz' } }),
  );
  const r = runCliSync(['diff', dir, '--offline', '--cache-dir', path.join(dir, '.cache'), '--quiet', '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.base, 'HEAD');
  const l = out.lockfiles[0];
  assert.equal(l.path, 'package-lock.json');
  assert.deepEqual(l.counts, { added: 1, removed: 1, upgraded: 1, downgraded: 0 });
  const summary = l.changes.map((c: { kind: string; name: string; from: string | null; to: string | null }) => `${c.kind} ${c.name} ${c.from}->${c.to}`);
  assert.deepEqual(summary, ['added newcomer null->0.0.1', 'upgraded b 2.0.0->2.1.0', 'removed gone 1.0.0->null']);
  const newcomer = l.changes[0];
  const rules = newcomer.findings.map((f: { rule: string }) => f.rule).sort();
  assert.ok(rules.includes('insecure-url'), rules.join());
  assert.ok(rules.includes('install-script'), rules.join());
  assert.ok(!out.findings.some((f: { package: string }) => f.package === 'a'), 'unchanged packages are not part of the review');

  const text = runCliSync(['diff', dir, '--offline', '--cache-dir', path.join(dir, '.cache'), '--quiet']).stdout;
  assert.match(text, /package-lock\.json: 1 added, 1 upgraded, 0 downgraded, 1 removed/);
  assert.match(text, /\+ newcomer@0\.0\.1/);
  assert.match(text, /↑ b 2\.0\.0 → 2\.1\.0/);

  const bad = runCliSync(['diff', dir, '--offline', '--cache-dir', path.join(dir, '.cache'), '--quiet', '--base', 'no-such-rev']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no-such-rev/);
});
