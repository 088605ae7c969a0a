import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { discoverProjectFiles } from '../../server/src/engine/discover';
import { roleOfPath } from '../../server/src/engine/project';

/** The walk order discovery promises: each folder's entries as listed, a subfolder's files where it is listed. */
function walkOrder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...walkOrder(path.join(dir, entry.name), r));
    } else if (roleOfPath(r)) out.push(r);
  }
  return out;
}

test('discovery lists files in walk order however the folders are listed in time, and caps sources in that order', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'depwarden-discover-'));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('package.json', '{"name":"root"}');
  // Wide and deep folders side by side: their listings finish in any order.
  for (let i = 0; i < 12; i++) {
    write(`packages/p${i}/package.json`, `{"name":"p${i}"}`);
    for (let d = 0; d < i % 4; d++) write(`packages/p${i}/${'sub/'.repeat(d + 1)}package.json`, '{}');
    write(`packages/p${i}/src/index.js`, `require('x${i}')`);
  }
  write('a/b/c/d/e/package.json', '{}');
  write('z/package-lock.json', '{"lockfileVersion":3,"packages":{}}');
  write('node_modules/skipped/package.json', '{}');

  const expected = walkOrder(root);
  for (let run = 0; run < 5; run++) {
    const found = await discoverProjectFiles(root, { maxSourceFiles: 5 });
    const sources = expected.filter((f) => roleOfPath(f) === 'source');
    assert.deepEqual(found.files.map((f) => f.path), expected.filter((f) => roleOfPath(f) !== 'source'));
    // The first five sources in walk order are indexed; the folders of the rest are named.
    assert.deepEqual([...found.usage!.files.keys()], sources.slice(0, 5));
    assert.deepEqual([...found.usage!.unindexedDirs].sort(), sources.slice(5).map((f) => f.slice(0, f.lastIndexOf('/'))).sort());
  }
});
