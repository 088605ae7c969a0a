/**
 * dist/cli.js, the launcher: with a code cache (Node < 22.1: V8's, in the user's cache
 * folder; newer Node: its own compile cache) the CLI prints what it printed without one,
 * and a cache folder it cannot write never stops it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import Module from 'node:module';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const PROJECT = path.resolve(__dirname, '../fixtures/projects/manifest-only');
const hasNodeCompileCache = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

function scan(home: string, dataCache: string) {
  // XDG_CACHE_HOME and HOME both point into the test's folder: nothing lands in the real ~/.cache.
  const env = { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, 'xdg'), NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [CLI, 'scan', PROJECT, '--offline', '--format', 'json', '--cache-dir', dataCache], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the CLI prints the same report on its first run (writing the code cache) and on later runs (reading it)', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'depwarden-launcher-'));
  try {
    const first = scan(home, path.join(home, 'data'));
    assert.equal(first.code, 1, first.stderr);
    const folder = path.join(home, 'xdg', 'depwarden', hasNodeCompileCache ? 'compile-cache' : 'code-cache');
    assert.ok(existsSync(folder), 'the cache is in the user cache folder');
    if (!hasNodeCompileCache) assert.deepEqual(readdirSync(folder), [`cli-main-${process.version}-${process.arch}.v8`]);
    for (let i = 0; i < 2; i++) assert.deepEqual(scan(home, path.join(home, 'data')), first);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a user cache folder that cannot be written: the CLI runs as usual', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'depwarden-launcher-'));
  try {
    const reference = scan(home, path.join(home, 'data'));
    const blocked = mkdtempSync(path.join(tmpdir(), 'depwarden-launcher-blocked-'));
    // A file where the cache folder should be: every write under it fails.
    writeFileSync(path.join(blocked, 'xdg'), 'in the way');
    assert.deepEqual(scan(blocked, path.join(home, 'data')), reference);
    rmSync(blocked, { recursive: true, force: true });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
