/**
 * #12 item 2 in the editor: SHA-1-only entries are one info diagnostic per lockfile, and
 * its details (which entries, why, how to re-lock) are in the hover and the report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { npmLockText, tempProject } from '../support/fixtures';
import { uriOf } from '../support/lsp-client';
import { openProject } from '../support/lsp-project';

const SHA1 = 'sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=';
/** The Markdown's text with its backslash escapes removed. */
const plain = (markdown: string) => markdown.replace(/\\(.)/g, '$1');
const NAMES = Array.from({ length: 11 }, (_, i) => `old-${String.fromCharCode(97 + i)}`);

test('SHA-1-only entries: one info diagnostic on the first, details in the hover and the report', async (t) => {
  const manifest = JSON.stringify({ name: 'app', dependencies: Object.fromEntries(NAMES.map((n) => [n, '1.0.0'])) }, null, 2);
  const lock = npmLockText(Object.fromEntries(NAMES.map((n) => [n, { version: '1.0.0', integrity: SHA1 }])));
  const dir = tempProject({ 'package.json': manifest, 'package-lock.json': lock }, 'depwarden-hygiene-');
  const { client } = await openProject(t, dir);
  const lockUri = uriOf(path.join(dir, 'package-lock.json'));
  const manifestUri = uriOf(path.join(dir, 'package.json'));

  const diags = await client.waitFor(() => client.diagnostics.get(lockUri)?.filter((d) => d.code === 'lockfile-integrity').length && client.diagnostics.get(lockUri)!.filter((d) => d.code === 'lockfile-integrity'), 'lockfile-integrity');
  assert.equal(diags.length, 1, 'one diagnostic for eleven entries');
  const [d] = diags;
  assert.equal(d.severity, 3, 'information');
  assert.match(d.message, /^11 entries in package-lock\.json are checked only with SHA-1/);
  const firstKey = lock.split('\n').findIndex((l) => l.includes('"node_modules/old-a"'));
  assert.equal(d.range.start.line, firstKey, 'on the first such entry');
  // It names no package, so no copy of it lands on a package.json line.
  assert.ok(!(client.diagnostics.get(manifestUri) ?? []).some((x) => x.code === 'lockfile-integrity'));

  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: lockUri, languageId: 'json', version: 1, text: lock } });
  const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: lockUri }, position: { line: firstKey, character: 8 } })) as { contents: { value: string } };
  const card = plain(hover.contents.value);
  assert.match(card, /ℹ \*\*Worth knowing\*\*: \[`lockfile-integrity`\]/);
  // The advice is in the diagnostic's message, which VS Code shows above the card (#15 item 5: the card does not repeat it).
  assert.match(d.message, /Re-lock to get sha512: delete these entries \(or the lockfile\) and run `npm install --package-lock-only`/);
  assert.ok(!card.includes('Re-lock to get sha512'), card);
  assert.match(card, /^- old-a@1\.0\.0: sha1-2jmj7l5rSw0yVb\/vlWAYkK\/YBwk=/m);
  assert.match(card, /^- … and 3 more/m);

  const report = plain((await client.connection.sendRequest('depwarden/report')) as string);
  assert.match(report, /11 entries in package-lock\.json are checked only with SHA-1/);
  assert.match(report, /old-h@1\.0\.0: sha1-/, 'the report lists the evidence');
});
