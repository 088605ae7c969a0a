import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import semver from 'semver';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';

/** The Markdown as its reader sees the text: the escapes markdown.ts puts before names, versions and messages undone. */
const unescaped = (md: string) => md.replace(/\\([\\`*_{}[\]()#+\-.!<>|~&:$])/g, '$1');

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/lockfiles/insomnia-npm-v2');
const CLI = path.resolve(__dirname, '../../dist/cli.js');
const OLD = '2021-01-01T00:00:00.000Z';

/**
 * Issue #7's scenario: a real lockfile whose entry is replaced by a crafted upgrade that
 * the test registry serves with the marks of a hijack (a new publisher, provenance gone,
 * an install script). The editor's review and `depwarden diff` both show the deltas.
 */
test('a crafted upgrade in a corpus lockfile shows its trust deltas in the editor review and in depwarden diff', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-review-trust-'));
  cpSync(CORPUS, dir, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', dir]);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'base');

  // A package installed exactly once, at the top level.
  const lockPath = path.join(dir, 'package-lock.json');
  const text = readFileSync(lockPath, 'utf8');
  const lock = JSON.parse(text) as { packages: Record<string, { version?: string; resolved?: string; integrity?: string }> };
  const keys = Object.keys(lock.packages);
  const name = keys
    .filter((k) => /^node_modules\/[^@/][^/]*$/.test(k))
    .map((k) => k.slice('node_modules/'.length))
    .find((n) => keys.filter((k) => k.endsWith(`node_modules/${n}`)).length === 1 && semver.valid(lock.packages[`node_modules/${n}`].version ?? ''))!;
  const entry = lock.packages[`node_modules/${name}`];
  const from = entry.version!;
  const to = semver.inc(from, 'patch')!;
  const crafted = { ...entry, version: to, resolved: entry.resolved!.replace(`-${from}.tgz`, `-${to}.tgz`), integrity: 'sha512-' + 'B'.repeat(86) + '==', hasInstallScript: true };
  const oldEntryText = JSON.stringify(entry, null, 2).split('\n').join('\n    ');
  const newEntryText = JSON.stringify(crafted, null, 2).split('\n').join('\n    ');
  assert.ok(text.includes(oldEntryText), 'the entry is found verbatim in the lockfile text');
  const changed = text.replace(oldEntryText, newEntryText);

  const reg = await startFakeRegistry();
  reg.addPackage(name, {
    created: OLD,
    versions: {
      [from]: { time: OLD, npmUser: 'maintainer', attestations: true, repository: 'https://github.com/x/y' },
      [to]: { time: OLD, npmUser: 'intruder', scripts: { postinstall: 'node steal.js' }, repository: 'https://github.com/x/y' },
    },
  });
  const client = new LspTestClient();
  client.settings = { offline: false, debounceMs: 20, registry: reg.url, advisories: { enabled: false } };
  t.after(async () => {
    await client.shutdown();
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  });

  await client.initialize(dir);
  // The first complete scan (registry data included) is in when the status stops saying "looking up".
  await client.waitFor(() => client.statuses.some((s) => !(s as { lookingUp: boolean }).lookingUp && (s as { lockfiles: number }).lockfiles === 1), 'first scan with registry data', 60000);
  writeFileSync(lockPath, changed);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(lockPath), type: 2 }] });
  const note = await client.waitFor(() => client.notifications.find((n) => n.method === 'depwarden/lockfileChanged'), 'lockfileChanged', 60000);
  assert.deepEqual(note.params, { files: ['package-lock.json'], added: 0, upgraded: 1, downgraded: 0, removed: 0, flagged: 1, message: 'package-lock.json changed: 1 upgraded; 1 needs a look.' });
  const review = unescaped((await client.connection.sendRequest('depwarden/lastChangeReview')) as string);
  assert.ok(review.includes(`↑ **${name} ${from} → ${to}**`), review.slice(0, 2000));
  assert.match(review, /trust: published by "intruder" where .* was published by "maintainer"/);
  assert.match(review, /trust: has no provenance attestation/);
  assert.match(review, /trust: gained an install script \(postinstall: node steal\.js\)/);

  // The same review in CI form (asynchronously: the test registry lives in this process).
  const r = await promisify(execFile)(process.execPath, [CLI, 'diff', dir, '--registry', reg.url, '--no-advisories', '--cache-dir', path.join(dir, '.cache'), '--quiet', '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = JSON.parse(r.stdout);
  const change = out.lockfiles[0].changes.find((c: { name: string }) => c.name === name);
  assert.equal(change.kind, 'upgraded');
  assert.equal(change.from, from);
  assert.equal(change.to, to);
  assert.equal(change.trust.length, 3, change.trust.join('\n'));
  assert.ok(change.findings.some((f: { rule: string }) => f.rule === 'trust-change'));
});
