import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { tempProject } from '../support/fixtures';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { openProject } from '../support/lsp-project';

const MANIFEST = `{
  "name": "app",
  "dependencies": {
    "lodash": "*",
    "left-pad": "^1.3.0",
    "evil": "git://example.com/evil.git"
  }
}
`;

test('publishes diagnostics with rule codes and exact ranges, and follows edits', async (t) => {
  const dir = tempProject({ 'package.json': MANIFEST }, 'depwarden-lsp-');
  const client = new LspTestClient();
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const init = (await client.initialize(dir)) as { capabilities: Record<string, unknown> };
  assert.ok(init.capabilities.hoverProvider);
  const uri = uriOf(path.join(dir, 'package.json'));

  // From disk, before the document is opened: the Problems panel shows it.
  const fromDisk = await client.waitFor(() => client.diagnostics.get(uri)?.length && client.diagnostics.get(uri), 'diagnostics from disk');
  const codes = fromDisk.map((d) => d.code).filter((c) => c !== 'missing-lockfile' && c !== 'lookup-incomplete').sort();
  assert.deepEqual(codes, ['insecure-url', 'non-registry-source', 'unpinned-range']);
  const unpinned = fromDisk.find((d) => d.code === 'unpinned-range')!;
  assert.deepEqual(unpinned.range, { start: { line: 3, character: 14 }, end: { line: 3, character: 17 } });
  assert.equal(unpinned.source, 'depwarden');
  assert.equal(unpinned.severity, 2);
  assert.match(unpinned.codeDescription!.href, /docs\/rules\/unpinned-range\.md$/);

  // Open, then edit: the range is fixed, another becomes unpinned on a new line.
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: MANIFEST } });
  const edited = MANIFEST.replace('"lodash": "*"', '"lodash": "^4.17.21"').replace('"left-pad": "^1.3.0"', '"left-pad": "^1.3.0",\n    "chalk": "latest"');
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  const after = await client.waitFor(() => {
    const d = client.diagnostics.get(uri);
    return d?.some((x) => x.message.includes('chalk')) && d;
  }, 'diagnostics after the edit');
  const unpinnedAfter = after.filter((d) => d.code === 'unpinned-range');
  assert.equal(unpinnedAfter.length, 1);
  assert.deepEqual(unpinnedAfter[0].range, { start: { line: 5, character: 13 }, end: { line: 5, character: 21 } });

  // Hover on the chalk line lists its finding.
  const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 7 } })) as { contents: { value: string } };
  assert.match(hover.contents.value, /unpinned-range/);
  assert.match(hover.contents.value, /chalk/);

  // A status notification reports the counts.
  const status = client.statuses.at(-1) as { manifests: number; warning: number; error: number };
  assert.equal(status.manifests, 1);
  assert.ok(status.error >= 1);
});

test('a syntax error in the middle still yields findings before and after it', async (t) => {
  const broken = `{
  "dependencies": {
    "a": "*",
    "b" "^1.0.0",
    "c": "latest"
  }
}
`;
  const dir = tempProject({ 'package.json': broken }, 'depwarden-lsp-');
  const { client } = await openProject(t, dir);
  const uri = uriOf(path.join(dir, 'package.json'));
  const diags = await client.waitFor(() => client.diagnostics.get(uri)?.length && client.diagnostics.get(uri), 'diagnostics');
  const unparsed = diags.find((d) => d.code === 'unparsed-file');
  assert.ok(unparsed, 'the syntax error is reported');
  assert.equal(unparsed.range.start.line, 3);
  const flagged = diags.filter((d) => d.code === 'unpinned-range').map((d) => d.range.start.line).sort();
  assert.deepEqual(flagged, [2, 4]);
});

test('the quick fix pins an unpinned range to the locked version', async (t) => {
  const manifest = `{\n  "dependencies": {\n    "left-pad": "*"\n  }\n}\n`;
  const lock = JSON.stringify(
    {
      name: 'app',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { dependencies: { 'left-pad': '*' } },
        'node_modules/left-pad': {
          version: '1.3.0',
          resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz',
          integrity: 'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQtQiHoMqQNt/sGAfX+SvOlt7aY3ovqgM6fTKPDB2WaEnmdwY==',
        },
      },
    },
    null,
    2,
  );
  const dir = tempProject({ 'package.json': manifest, 'package-lock.json': lock }, 'depwarden-lsp-');
  const { client } = await openProject(t, dir);
  const uri = uriOf(path.join(dir, 'package.json'));
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: manifest } });
  const diag = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'unpinned-range'), 'unpinned-range');
  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: diag.range,
    context: { diagnostics: [diag] },
  })) as Array<{ title: string; isPreferred: boolean; edit: { changes: Record<string, Array<{ newText: string; range: unknown }>> } }>;
  const pin = actions.find((a) => a.title.startsWith('Pin to 1.3.0'));
  assert.ok(pin, `pin action offered: ${JSON.stringify(actions)}`);
  assert.equal(pin.isPreferred, true);
  assert.deepEqual(pin.edit.changes[uri], [{ range: diag.range, newText: '"1.3.0"' }]);
});
