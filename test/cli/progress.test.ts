/**
 * Lookup progress (issue #13 item 4): on a terminal `depwarden scan` draws one bar in
 * place on stderr; in a pipe or a CI log it prints the same lines as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tempProject } from '../support/fixtures';
import { CLI, runCliSync } from '../support/cli';

const MANIFEST = JSON.stringify({ name: 'app', dependencies: { alpha: '1.0.0', beta: '1.0.0', gamma: '1.0.0' } }, null, 2);

function setUp(t: { after: (f: () => void) => void }): { dir: string; cache: string } {
  const dir = tempProject({ 'package.json': MANIFEST }, 'depwarden-cli-progress-');
  const cache = mkdtempSync(path.join(tmpdir(), 'depwarden-cli-progress-cache-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });
  return { dir, cache };
}

test('in a pipe, progress is the plain lines it always was', (t) => {
  const { dir, cache } = setUp(t);
  const r = runCliSync(['scan', dir, '--offline', '--cache-dir', cache]);
  assert.match(r.stderr, /^depwarden: 3\/3 packages looked up$/m);
  assert.doesNotMatch(r.stderr, /\x1b|\r/);
});

test('on a terminal, progress is one bar redrawn in place and cleared', { skip: !existsSync('/usr/bin/script') && 'needs script(1) for a pseudo-terminal' }, (t) => {
  const { dir, cache } = setUp(t);
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, 'scan', dir, '--offline', '--cache-dir', cache].map(quote).join(' ');
  // script(1) runs the CLI on a pseudo-terminal (stdout and stderr both) and copies what it writes.
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.match(r.stdout, /\r\x1b\[2Kdepwarden: \[#{24}\] 3\/3 packages looked up\r\x1b\[2K/);
  assert.doesNotMatch(r.stdout, /packages looked up\r?\n/, 'no line of its own on a terminal');
  assert.match(r.stdout, /network request/, 'the other progress lines stay');
});
