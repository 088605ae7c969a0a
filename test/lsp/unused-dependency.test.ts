import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { uriOf } from '../support/lsp-client';
import { openProject } from '../support/lsp-project';

const MANIFEST = `{
  "name": "app",
  "dependencies": {
    "used": "1.0.0",
    "later": "1.0.0"
  }
}
`;

test('the server indexes sources on load and follows watched source changes', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'depwarden-lsp-unused-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'package.json'), MANIFEST);
  writeFileSync(path.join(dir, 'src', 'a.js'), `require('used');\n`);
  const { client } = await openProject(t, dir);
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  const unusedNames = () => (client.diagnostics.get(manifestUri) ?? []).filter((d) => d.code === 'unused-dependency').map((d) => d.message.split(' ')[0]);
  await client.waitFor(() => unusedNames().length > 0, 'an unused-dependency diagnostic');
  assert.deepEqual(unusedNames(), ['later']);
  const diag = client.diagnostics.get(manifestUri)!.find((d) => d.code === 'unused-dependency')!;
  assert.deepEqual(diag.range, { start: { line: 4, character: 4 }, end: { line: 4, character: 11 } });
  assert.equal(diag.severity, 3, 'information');

  // A new file that imports it: the watcher event re-indexes and the finding goes away.
  const added = path.join(dir, 'src', 'b.ts');
  writeFileSync(added, `import later from 'later';\nexport default later;\n`);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(added), type: 1 }] });
  await client.waitFor(() => unusedNames().length === 0, 'the finding to disappear');

  // Deleted again: the finding comes back.
  unlinkSync(added);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(added), type: 3 }] });
  await client.waitFor(() => unusedNames().includes('later'), 'the finding to return');
});
