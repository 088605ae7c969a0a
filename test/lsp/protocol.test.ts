// Run `npm run build` first: the last test reads dist/client.js.map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE_NAMES, roleOfPath } from '../../server/src/engine/project';
import { LOCKFILE_NAMES } from '../../server/src/engine/lockfile';
import { SCANNED_FILE_GLOBS } from '../../server/src/lsp/protocol';

/** The names inside a `**\/{a,b}` or `**\/a` glob. */
function namesOf(glob: string): string[] {
  const m = /^\*\*\/(?:\{(.*)\}|([^{}*]+))$/.exec(glob);
  assert.ok(m, glob);
  return m[1] !== undefined ? m[1].split(',') : [m[2]];
}

test('the client watches every file the server scans, and syncs manifests, lockfiles and the project config', () => {
  const watched = namesOf(SCANNED_FILE_GLOBS.watched);
  for (const name of ['package.json', ...LOCKFILE_NAMES, ...CONFIG_FILE_NAMES]) assert.ok(watched.includes(name), `${name} is watched`);
  for (const name of watched) assert.ok(['manifest', 'lockfile', 'config'].includes(roleOfPath(name) ?? ''), `${name} is read by the server`);
  assert.deepEqual(namesOf(SCANNED_FILE_GLOBS.lockfiles).sort(), [...LOCKFILE_NAMES].sort());
  assert.deepEqual(namesOf(SCANNED_FILE_GLOBS.manifests), ['package.json']);
  assert.equal(roleOfPath(namesOf(SCANNED_FILE_GLOBS.projectConfig)[0]), 'config');
});

test('the client bundle holds no server code but the protocol and the file-name list', () => {
  const map = JSON.parse(readFileSync(path.resolve(__dirname, '../../dist/client.js.map'), 'utf8')) as { sources: string[] };
  const fromServer = map.sources.filter((s) => s.includes('server/src/')).map((s) => s.slice(s.indexOf('server/src/')));
  assert.deepEqual(fromServer.sort(), ['server/src/engine/lockfile/formats.ts', 'server/src/lsp/protocol.ts']);
});
