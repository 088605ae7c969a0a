// The language server on a hostile workspace (issue 10, rows 2, 8 and 11): one deeply
// nested package.json must not silence the folder, and watcher events for symlinks to
// /dev/zero or FIFOs must neither fill memory nor block the events that follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { npmLockText, tempProject } from '../support/fixtures';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { openProject } from '../support/lsp-project';

const POSIX = process.platform !== 'win32';
const LOCK = npmLockText({ 'left-pad': { version: '1.3.0', resolved: 'http://evil.example/left-pad-1.3.0.tgz' } });
const codes = (client: LspTestClient, uri: string) => (client.diagnostics.get(uri) ?? []).map((d) => d.code);

/** Peak resident memory of the server process (Linux), in MB. */
function serverPeakMb(client: LspTestClient): number | undefined {
  const pid = (client as unknown as { child: ChildProcess }).child.pid;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

test('a 5,000-level nested package.json in one subfolder: the folder is still published, that file is unparsed-file', async (t) => {
  const dir = tempProject({ 'package.json': '{\n  "dependencies": {\n    "lodash": "*"\n  }\n}\n', 'lock.real.json': LOCK }, 'depwarden-lsp-hostile-');
  mkdirSync(path.join(dir, 'deep'));
  writeFileSync(path.join(dir, 'deep', 'package.json'), `{"name":"deep","overrides":${'{"a":'.repeat(5000)}"1"${'}'.repeat(5000)},`);
  if (POSIX) symlinkSync('lock.real.json', path.join(dir, 'package-lock.json'));
  const { client } = await openProject(t, dir);
  const root = uriOf(path.join(dir, 'package.json'));
  const deep = uriOf(path.join(dir, 'deep', 'package.json'));
  await client.waitFor(() => codes(client, root).includes('unpinned-range'), 'the other package.json to be published');
  const unparsed = await client.waitFor(() => client.diagnostics.get(deep)?.find((d) => d.code === 'unparsed-file'), 'unparsed-file on the deep one');
  assert.match(unparsed.message, /nested deeper than 256 levels/);
  assert.equal(unparsed.severity, 1);
  if (POSIX) {
    // The lockfile committed as a symlink is read (row 2): its findings are on its own path.
    const lock = uriOf(path.join(dir, 'package-lock.json'));
    await client.waitFor(() => codes(client, lock).includes('insecure-url'), 'findings on the symlinked lockfile');
  }
});

test('watcher events for symlinks to /dev/zero, out of the folder, and FIFOs: reported, never opened, later changes still seen', { skip: !POSIX }, async (t) => {
  const dir = tempProject({ 'package.json': '{\n  "dependencies": {\n    "lodash": "^4.17.21"\n  }\n}\n' }, 'depwarden-lsp-hostile-');
  mkdirSync(path.join(dir, 'real'));
  const { client } = await openProject(t, dir);
  await client.waitFor(() => client.statuses.some((s) => (s as { manifests: number }).manifests === 1), 'the first scan');
  const changed = (rel: string, type = 1) => client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(dir, rel)), type }] });

  // Created after the first scan, each announced by the watcher as editors do.
  const zeros = ['z1', 'z2', 'z3', 'z4', 'z5', 'z6'].map((d) => `${d}/package.json`);
  for (const rel of zeros) {
    mkdirSync(path.join(dir, path.dirname(rel)));
    symlinkSync('/dev/zero', path.join(dir, rel));
  }
  // More FIFOs than libuv has threads: a blocking open of each would stall every later read.
  const fifos = ['p1/package-lock.json', 'p2/yarn.lock', 'p3/pnpm-lock.yaml', 'p4/bun.lock', 'p5/.npmrc', 'src/pipe.js'];
  for (const rel of fifos) {
    mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    execFileSync('mkfifo', [path.join(dir, rel)]);
  }
  writeFileSync(path.join(dir, 'real', 'package.json'), '{"dependencies":{"left-pad":"latest"}}');
  symlinkSync('real', path.join(dir, 'alias'));
  for (const rel of [...zeros, ...fifos, 'alias/package.json']) await changed(rel);

  // A real change after all of them is still seen.
  writeFileSync(path.join(dir, 'package.json'), '{\n  "dependencies": {\n    "lodash": "*"\n  }\n}\n');
  await changed('package.json', 2);
  await client.waitFor(() => codes(client, uriOf(path.join(dir, 'package.json'))).includes('unpinned-range'), 'the later change to be published', 15000);

  for (const rel of zeros) {
    const d = await client.waitFor(() => client.diagnostics.get(uriOf(path.join(dir, rel)))?.find((x) => x.code === 'unparsed-file'), `unparsed-file on ${rel}`);
    assert.match(d.message, /symlink to a path outside the workspace/);
  }
  for (const rel of fifos.filter((r) => !r.endsWith('.js'))) {
    const d = await client.waitFor(() => client.diagnostics.get(uriOf(path.join(dir, rel)))?.find((x) => x.code === 'unparsed-file'), `unparsed-file on ${rel}`);
    assert.match(d.message, /not a regular file \(a named pipe\)/);
  }
  // Through a symlinked directory: not part of the scan (the first scan does not follow it either).
  assert.equal(client.diagnostics.get(uriOf(path.join(dir, 'alias', 'package.json')))?.length ?? 0, 0);
  const peak = serverPeakMb(client);
  if (peak !== undefined) assert.ok(peak < 400, `the server peaked at ${Math.round(peak)} MB`);
});
