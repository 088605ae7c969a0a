// Issue #15 item 3: silence is not "checked and clean". Offline, in Restricted Mode, or when
// a lookup failed, the hover says what was not checked for that package instead of
// "✔ No findings", and the file-wide lookup-incomplete note does not become the first
// package's card.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { startFakeRegistry } from '../support/fake-registry';
import { npmLockText, tempProject } from '../support/fixtures';
import { openProject } from '../support/lsp-project';

const unescaped = (md: string) => md.replace(/\\([\\`*_{}[\]()#+\-.!<>|~&:$])/g, '$1');

const MANIFEST = '{\n  "name": "app",\n  "dependencies": {\n    "aaa-first": "1.0.0",\n    "event-stream": "3.3.6"\n  }\n}\n';
const LOCK = npmLockText({ 'aaa-first': '1.0.0', 'event-stream': '3.3.6' });

interface HoverResult {
  contents: { kind: string; value: string };
}

async function cardsFor(settings: Record<string, unknown>, t: { after(fn: () => Promise<void>): void }, ready: (c: LspTestClient, lock: string) => unknown) {
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK }, 'depwarden-coverage-');
  const { client } = await openProject(t, dir, { settings: { debounceMs: 20, ...settings } });
  const manifest = uriOf(path.join(dir, 'package.json'));
  const lock = uriOf(path.join(dir, 'package-lock.json'));
  await client.waitFor(() => ready(client, lock), 'the scan with its lookups');
  for (const [uri, text] of [[manifest, MANIFEST], [lock, LOCK]]) {
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text } });
  }
  const at = async (uri: string, text: string, needle: string) => {
    const offset = text.indexOf(needle) + 2;
    const before = text.slice(0, offset).split('\n');
    const position = { line: before.length - 1, character: before.at(-1)!.length };
    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position })) as HoverResult | null;
    return unescaped(hover?.contents.value ?? '');
  };
  return {
    client,
    manifestCard: (name: string) => at(manifest, MANIFEST, `"${name}"`),
    lockCard: (name: string) => at(lock, LOCK, `"node_modules/${name}"`),
  };
}

const incomplete = (c: LspTestClient, lock: string) => (c.diagnostics.get(lock) ?? []).some((d) => d.code === 'lookup-incomplete');

test('offline with nothing cached: the card says the registry and advisories were not checked, not "No findings"', async (t) => {
  const { manifestCard, lockCard, client } = await cardsFor({ offline: true }, t, incomplete);
  const card = await manifestCard('event-stream');
  assert.ok(!card.includes('✔'), card);
  assert.match(card.split('\n')[1], /^○ \*\*No findings from the checks that ran\*\*: not known to be safe/);
  assert.match(card, /○ \*\*Not checked\*\*  \n- registry: offline/);
  assert.match(card, /- advisories: offline/);

  // The first package of the lockfile carries the file-wide note as a diagnostic; its card is
  // about that package alone: no list of every other package.
  const first = await lockCard('aaa-first');
  assert.ok(!first.includes('event-stream'), first);
  assert.ok(!first.includes('lookup-incomplete'), first);
  assert.match(first, /- registry: offline/);

  // The Dependencies view: a package with no findings reads "not checked", with why in its tooltip.
  type Node = { ref: unknown; label: string; description?: string; tooltip?: string; hasChildren: boolean };
  const children = (parent?: unknown) => client.connection.sendRequest('depwarden/graphChildren', { parent }) as Promise<Node[]>;
  let level = await children();
  let node: Node | undefined;
  for (let depth = 0; depth < 4 && !node; depth++) {
    node = level.find((n) => n.label === 'event-stream@3.3.6');
    if (!node) level = (await Promise.all(level.filter((n) => n.hasChildren).map((n) => children(n.ref)))).flat();
  }
  assert.ok(node, 'event-stream in the Dependencies view');
  assert.match(node.description ?? '', /not checked/);
  assert.match(node.tooltip ?? '', /No findings, but not checked: registry: offline/);
});

test('Restricted Mode: the card says only the local checks ran and links to workspace trust', async (t) => {
  const { manifestCard, client } = await cardsFor({ offline: true, restricted: true }, t, incomplete);
  const card = await manifestCard('event-stream');
  assert.match(card.split('\n')[1], /^⊘ \*\*Restricted Mode\*\*: only the local checks ran/);
  assert.match(card, /⊘ \*\*Not checked\*\*: the registry, advisories and malware feeds \(Restricted Mode\)\. \[Manage workspace trust\]\(command:workbench\.trust\.manage\)/);
  assert.ok(!card.includes('✔'), card);
  // The typosquat check is local and still runs: a finding shows as a finding.
  assert.ok(client.logs.every((l) => !/\[error\]/.test(l)), client.logs.join('\n'));
});

test('a failed lookup is named on the package it failed for; the others read as checked', async (t) => {
  const reg = await startFakeRegistry();
  t.after(() => reg.close());
  reg.addPackage('aaa-first', { versions: { '1.0.0': {} } });
  reg.addPackage('event-stream', { versions: { '3.3.6': {} } });
  reg.fault('event-stream', { kind: 'status', status: 500 });
  const { manifestCard } = await cardsFor({ offline: false, registry: reg.url, advisories: { enabled: false } }, t, incomplete);
  const failed = await manifestCard('event-stream');
  assert.match(failed, /- registry: HTTP 500/);
  assert.ok(!failed.includes('✔'), failed);
  const fine = await manifestCard('aaa-first');
  assert.ok(!/registry: /.test(fine), fine);
  assert.match(fine, /- advisories: off \(depwarden\.advisories\)/);
});
