import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { npmLockText } from '../support/fixtures';
import { LspTestClient, uriOf } from '../support/lsp-client';
import type { LockfileChangedParams } from '../../server/src/lsp/protocol';

/** The Markdown as its reader sees the text: the escapes markdown.ts puts before names, versions and messages undone. */
const unescaped = (md: string) => md.replace(/\\([\\`*_{}[\]()#+\-.!<>|~&:$])/g, '$1');

test('Review Lockfile Changes against git HEAD, and a notification when the lockfile changes on disk', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-review-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { a: '*', b: '*' } }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), npmLockText({ a: '1.0.0', b: '1.0.0' }));
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'base');
  const client = new LspTestClient();
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize(dir);
  await client.waitFor(() => client.statuses.length > 0, 'first scan');

  // The lockfile changes on disk, as after `npm install` or a branch switch.
  writeFileSync(path.join(dir, 'package-lock.json'), npmLockText({ a: '1.0.0', b: '1.1.0', sneaky: { version: '0.0.1', hasInstallScript: true } }));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(dir, 'package-lock.json')), type: 2 }] });
  const changed = await client.waitFor(() => client.notifications.find((n) => n.method === 'depwarden/lockfileChanged'), 'lockfileChanged');
  // Offline, sneaky's hasInstallScript is a lockfile hint the registry did not confirm: an
  // info finding (#12), listed in the review below but not counted as needing a look.
  assert.deepEqual(changed.params, { files: ['package-lock.json'], added: 1, upgraded: 1, downgraded: 0, removed: 0, flagged: 0, message: 'package-lock.json changed: 1 added, 1 upgraded.' });
  const last = unescaped((await client.connection.sendRequest('depwarden/lastChangeReview')) as string);
  assert.match(last, /➕ \*\*sneaky@0\.0\.1\*\*/);
  assert.match(last, /install-script/);

  const review = unescaped((await client.connection.sendRequest('depwarden/review', { base: 'HEAD' })) as string);
  assert.match(review, /Compared with git HEAD: \*\*1\*\* added, \*\*1\*\* upgraded, \*\*0\*\* downgraded, \*\*0\*\* removed/);
  assert.match(review, /⬆️ \*\*b 1\.0\.0 → 1\.1\.0\*\*/);
});

test('a downgrade in the lockfile is called a downgrade in the lockfile-changed notice, not an upgrade', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-review-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { a: '*', b: '*' } }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), npmLockText({ a: '1.0.0', b: '2.0.0' }));
  const client = new LspTestClient();
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize(dir);
  await client.waitFor(() => client.statuses.length > 0, 'first scan');

  writeFileSync(path.join(dir, 'package-lock.json'), npmLockText({ a: '1.1.0', b: '1.9.0' }));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(dir, 'package-lock.json')), type: 2 }] });
  const changed = await client.waitFor(() => client.notifications.find((n) => n.method === 'depwarden/lockfileChanged'), 'lockfileChanged');
  const params = changed.params as LockfileChangedParams;
  assert.equal(params.upgraded, 1);
  assert.equal(params.downgraded, 1);
  // The text the toast shows is the server's, so that this test reads what the user reads.
  assert.equal(params.message, 'package-lock.json changed: 1 upgraded, 1 downgraded.');
});
