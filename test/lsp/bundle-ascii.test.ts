// Run `npm run build` first: this test reads the bundles in dist/.
/**
 * V8 keeps a running script's source in memory, one byte per character only when every
 * character is Latin-1: one `…` in a doc comment esbuild kept made the language server
 * hold its bundle as twice its size (esbuild.mjs escapes what esbuild leaves). Every
 * bundle is ASCII.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const DIST = path.resolve(__dirname, '../../dist');

test('the bundles the editor and the CLI load are ASCII, so V8 holds their source one byte per character', () => {
  for (const file of ['server.js', 'server-main.js', 'packument-worker.js', 'cli-main.js', 'cli.js', 'client.js', 'undici.js', 'yaml.js', 'yarnpkg-parsers.js']) {
    const text = readFileSync(path.join(DIST, file), 'utf8');
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${file}: non-ASCII at ${text.slice(Math.max(0, at - 40), at + 40)}`);
  }
});
