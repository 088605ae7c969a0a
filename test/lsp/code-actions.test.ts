import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { tempProject } from '../support/fixtures';
import { LspTestClient, uriOf } from '../support/lsp-client';

const LOCK = JSON.stringify(
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
const MANIFEST = '{\n  "name": "app",\n  "dependencies": {\n    "left-pad": "*"\n  }\n}\n';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
type LspEdit = { range: Range; newText: string };
interface Action {
  title: string;
  kind: string;
  isPreferred: boolean;
  edit: {
    changes?: Record<string, LspEdit[]>;
    documentChanges?: Array<{ kind?: string; uri?: string; textDocument?: { uri: string }; edits?: LspEdit[] }>;
  };
}

/** What an editor does with a WorkspaceEdit's text edits. */
function applyLspEdits(text: string, edits: LspEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'json', 0, text), edits);
}

/** Initialize like VS Code: documentChanges with create/rename/delete resource operations. */
async function start(dir: string, createFiles = true): Promise<LspTestClient> {
  const client = new LspTestClient();
  const uri = pathToFileURL(dir).toString();
  await client.connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: uri,
    workspaceFolders: [{ uri, name: 'app' }],
    capabilities: {
      workspace: {
        configuration: true,
        didChangeConfiguration: { dynamicRegistration: true },
        workspaceEdit: createFiles ? { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] } : {},
      },
      textDocument: { hover: {}, codeAction: {} },
    },
  });
  await client.connection.sendNotification('initialized', {});
  return client;
}

async function actionsFor(client: LspTestClient, uri: string, diag: { range: Range }): Promise<Action[]> {
  return (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } })) as Action[];
}

test('"Suppress" creates .depwarden.json; once it exists the finding leaves the Problems panel and shows in the report', async (t) => {
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK }, 'depwarden-actions-');
  const client = await start(dir);
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = uriOf(path.join(dir, 'package.json'));
  const suppressionUri = uriOf(path.join(dir, '.depwarden.json'));
  const diag = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'unpinned-range'), 'unpinned-range');
  const actions = await actionsFor(client, uri, diag);
  assert.deepEqual(actions.map((a) => [a.title, a.isPreferred]), [
    ['Pin to 1.3.0 (the locked version)', true],
    ['Suppress unpinned-range for left-pad@1.3.0', false],
  ]);
  const suppress = actions[1];
  assert.equal(suppress.kind, 'quickfix');
  const [create, insert] = suppress.edit.documentChanges!;
  assert.deepEqual(create, { kind: 'create', uri: suppressionUri });
  assert.equal(insert.textDocument!.uri, suppressionUri);
  const created = applyLspEdits('', insert.edits!);
  assert.deepEqual(JSON.parse(created), {
    suppressions: [{ rule: 'unpinned-range', package: 'left-pad', version: '1.3.0', reason: 'TODO: say why this is acceptable' }],
  });

  // The editor creates the file and saves it; the watcher tells the server.
  writeFileSync(path.join(dir, '.depwarden.json'), created.replace('TODO: say why this is acceptable', 'reviewed by the team'));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: suppressionUri, type: 1 }] });
  await client.waitFor(() => client.diagnostics.get(uri)?.every((d) => d.code !== 'unpinned-range') && true, 'the suppressed diagnostic to go');

  const report = (await client.connection.sendRequest('depwarden/report')) as string;
  assert.match(report, /^# depwarden report/);
  assert.match(report, /## ⊖ Suppressed \(1\)/);
  const suppressedPart = report.slice(report.indexOf('## ⊖ Suppressed'));
  assert.match(suppressedPart, /- `left-pad@1\.3\.0`: \[`unpinned-range`\]\([^)]+\) _warning_: "left\\-pad"/);
  assert.match(suppressedPart, /reason: \*\*reviewed by the team\*\*/);
  // File names are escaped as Markdown text (markdown.ts).
  // A path from the workspace folder, which the Markdown preview opens at the line (markdown.ts workspaceFileLink).
  assert.ok(suppressedPart.includes('[package\\.json\\:4](/package.json#L4)'), suppressedPart);
});

test('a second suppression is appended to the existing file; the pin fix applies to the exact text', async (t) => {
  const existing = '{\n    "suppressions": [\n        { "rule": "deprecated", "package": "x", "version": "*", "reason": "ok" }\n    ]\n}\n';
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK, '.depwarden.json': existing }, 'depwarden-actions-');
  const client = await start(dir);
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = uriOf(path.join(dir, 'package.json'));
  const suppressionUri = uriOf(path.join(dir, '.depwarden.json'));
  const diag = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'unpinned-range'), 'unpinned-range');
  const actions = await actionsFor(client, uri, diag);
  const suppress = actions.find((a) => a.title === 'Suppress unpinned-range for left-pad@1.3.0')!;
  assert.ok(suppress);
  assert.deepEqual(Object.keys(suppress.edit.changes!), [suppressionUri]);
  assert.equal(
    applyLspEdits(existing, suppress.edit.changes![suppressionUri]),
    '{\n    "suppressions": [\n        { "rule": "deprecated", "package": "x", "version": "*", "reason": "ok" },\n' +
      '        {\n            "rule": "unpinned-range",\n            "package": "left-pad",\n            "version": "1.3.0",\n            "reason": "TODO: say why this is acceptable"\n        }\n    ]\n}\n',
  );
  const pin = actions.find((a) => a.title.startsWith('Pin to 1.3.0'))!;
  assert.equal(applyLspEdits(MANIFEST, pin.edit.changes![uri]), MANIFEST.replace('"*"', '"1.3.0"'));
});

test('typosquat: replace, remove (whole property) and suppress; no file-creating fix for a client that cannot create files', async (t) => {
  const manifest = '{\n\t"dependencies": {\n\t\t"lodahs": "^4.17.21",\n\t\t"express": "^4.0.0"\n\t}\n}\n';
  const dir = tempProject({ 'package.json': manifest }, 'depwarden-actions-');
  const client = await start(dir, false);
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = uriOf(path.join(dir, 'package.json'));
  const diag = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'typosquat'), 'typosquat');
  const actions = await actionsFor(client, uri, diag);
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes('Remove lodahs from dependencies'), JSON.stringify(titles));
  assert.ok(!titles.some((x) => x.startsWith('Suppress')), 'the suppress fix needs CreateFile support');
  const remove = actions.find((a) => a.title === 'Remove lodahs from dependencies')!;
  assert.equal(applyLspEdits(manifest, remove.edit.changes![uri]), '{\n\t"dependencies": {\n\t\t"express": "^4.0.0"\n\t}\n}\n');
  assert.equal(actions.filter((a) => a.isPreferred).length, 1, 'one preferred fix');
});

test('no quick fix is offered from a diagnostic whose document changed since', async (t) => {
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK }, 'depwarden-actions-');
  const client = await start(dir);
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = uriOf(path.join(dir, 'package.json'));
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: MANIFEST } });
  const diag = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'unpinned-range'), 'unpinned-range');
  assert.ok((await actionsFor(client, uri, diag)).length >= 2);
  const edited = MANIFEST.replace('"name": "app",', '"name": "app",\n  "private": true,');
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  assert.deepEqual(await actionsFor(client, uri, diag), []);
});

test('the report groups live findings by severity and rule, with line links', async (t) => {
  const manifest = '{\n  "dependencies": {\n    "lodahs": "^4.17.21"\n  }\n}\n';
  const dir = tempProject({ 'package.json': manifest }, 'depwarden-actions-');
  const client = await start(dir);
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = uriOf(path.join(dir, 'package.json'));
  await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'typosquat'), 'typosquat');
  const report = (await client.connection.sendRequest('depwarden/report')) as string;
  const warnings = report.slice(report.indexOf('## ⚠ Warnings'));
  assert.ok(report.indexOf('## ⚠ Warnings') > 0, report);
  assert.match(report, /\*\*depwarden\\-actions\\-\w+\*\*: 1 package\.json and 0 lockfiles checked/);
  assert.match(warnings, /### \[`typosquat`\]\(https:\/\/[^)]+typosquat\.md\) \(1\)\n\n- "lodahs" looks like a typo[^\n]+ — \[package\\\.json\\:3\]\(\/package\.json#L3\)/);
  assert.ok(!report.includes('Suppressed'));
});

/** Initialize like VS Code 1.9x: code actions resolved lazily (data + resolveSupport), window/showDocument. */
async function startEditor(dir: string, refusals = 0): Promise<{ client: LspTestClient; shown: Array<{ uri: string; takeFocus?: boolean; selection?: Range }> }> {
  const client = new LspTestClient();
  const shown: Array<{ uri: string; takeFocus?: boolean; selection?: Range }> = [];
  client.connection.onRequest('window/showDocument', (p: { uri: string; takeFocus?: boolean; selection?: Range }) => {
    shown.push(p);
    // An editor answers success: false when it could not show the document.
    return { success: shown.length > refusals };
  });
  const uri = pathToFileURL(dir).toString();
  const init = (await client.connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: uri,
    workspaceFolders: [{ uri, name: 'app' }],
    capabilities: {
      workspace: {
        configuration: true,
        executeCommand: {},
        workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
      },
      textDocument: { hover: {}, codeAction: { dataSupport: true, resolveSupport: { properties: ['edit'] } } },
      window: { showDocument: { support: true } },
    },
  })) as { capabilities: { codeActionProvider?: { resolveProvider?: boolean }; executeCommandProvider?: { commands: string[] } } };
  assert.equal(init.capabilities.codeActionProvider?.resolveProvider, true);
  await client.connection.sendNotification('initialized', {});
  return { client, shown };
}

type Resolvable = Action & { data?: unknown; command?: { command: string; arguments?: unknown[] } };

/** The text a range of `text` covers. */
function textAt(text: string, range: Range): string {
  const doc = TextDocument.create('file:///x', 'json', 0, text);
  return text.slice(doc.offsetAt(range.start), doc.offsetAt(range.end));
}

test('an editor that resolves code actions gets fixes without edits; the picked one is computed on codeAction/resolve', async (t) => {
  const manifest = '{\n  "dependencies": {\n    "lodahs": "^4.17.21",\n    "express": "^4.0.0"\n  }\n}\n';
  const dir = tempProject({ 'package.json': manifest, '.depwarden.json': '{ "suppressions": [] }\n' }, 'depwarden-actions-');
  const { client } = await startEditor(dir);
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = uriOf(path.join(dir, 'package.json'));
  const diag = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'typosquat'), 'typosquat');
  const actions = (await actionsFor(client, uri, diag)) as Resolvable[];
  const remove = actions.find((a) => a.title === 'Remove lodahs from dependencies')!;
  const suppress = actions.find((a) => a.title.startsWith('Suppress typosquat for lodahs'))!;
  assert.ok(remove && suppress, JSON.stringify(actions.map((a) => a.title)));
  for (const a of [remove, suppress]) {
    assert.equal(a.edit, undefined, `${a.title}: no edit before it is picked`);
    assert.ok(a.data, `${a.title}: carries what resolve needs`);
  }
  const resolved = (await client.connection.sendRequest('codeAction/resolve', remove)) as Resolvable;
  assert.equal(applyLspEdits(manifest, resolved.edit.changes![uri]), '{\n  "dependencies": {\n    "express": "^4.0.0"\n  }\n}\n');
  assert.equal(resolved.command, undefined);

  // Once the document changed, the stale action comes back without an edit.
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: manifest } });
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: manifest.replace('"express"', '"expres"') }] });
  const stale = (await client.connection.sendRequest('codeAction/resolve', remove)) as Resolvable;
  assert.equal(stale.edit, undefined);
});

test('"Suppress" opens .depwarden.json with the new reason selected (window/showDocument through the action\'s command)', async (t) => {
  const existing = '{\n  "suppressions": [\n    { "rule": "deprecated", "package": "x", "version": "*", "reason": "TODO: say why this is acceptable" }\n  ]\n}\n';
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK, '.depwarden.json': existing }, 'depwarden-actions-');
  const { client, shown } = await startEditor(dir);
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = uriOf(path.join(dir, 'package.json'));
  const suppressionUri = uriOf(path.join(dir, '.depwarden.json'));
  const diag = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'unpinned-range'), 'unpinned-range');
  const offered = (await actionsFor(client, uri, diag)) as Resolvable[];
  const suppress = (await client.connection.sendRequest('codeAction/resolve', offered.find((a) => a.title.startsWith('Suppress'))!)) as Resolvable;
  const after = applyLspEdits(existing, suppress.edit.changes![suppressionUri]);
  assert.equal(JSON.parse(after).suppressions.length, 2);
  // The editor applies the edit, then runs the command: the server asks it to show the reason.
  assert.equal(suppress.command?.command, 'depwarden.revealSuppressionReason');
  await client.connection.sendRequest('workspace/executeCommand', { command: suppress.command!.command, arguments: suppress.command!.arguments });
  assert.equal(shown.length, 1);
  assert.equal(shown[0].uri, suppressionUri);
  assert.equal(shown[0].takeFocus, true);
  const selection = shown[0].selection!;
  assert.equal(textAt(after, selection), 'TODO: say why this is acceptable');
  // The new entry's reason (line 7 of the re-laid-out file), not the older entry's placeholder.
  assert.ok(selection.start.line > 2, JSON.stringify(selection));
  assert.match(after.split('\n')[selection.start.line], /"reason"/);

  // A command naming any other file is refused.
  await client.connection.sendRequest('workspace/executeCommand', { command: suppress.command!.command, arguments: [{ uri, selection }] });
  assert.equal(shown.length, 1);
});

/** A project without .depwarden.json, in an editor refusing `refusals` showDocument requests: its "Suppress" action on the unpinned range. */
async function firstSuppress(t: { after: (fn: () => Promise<void>) => void }, refusals = 0) {
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK }, 'depwarden-actions-');
  const { client, shown } = await startEditor(dir, refusals);
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = uriOf(path.join(dir, 'package.json'));
  const suppressionUri = uriOf(path.join(dir, '.depwarden.json'));
  const diag = await client.waitFor(() => client.diagnostics.get(uri)?.find((d) => d.code === 'unpinned-range'), 'unpinned-range');
  const suppress = ((await actionsFor(client, uri, diag)) as Resolvable[]).find((a) => a.title.startsWith('Suppress'))!;
  /** What the editor does once it applied the edit: runs the action's command. */
  const runCommand = () => client.connection.sendRequest('workspace/executeCommand', { command: suppress.command!.command, arguments: suppress.command!.arguments });
  return { suppress, shown, suppressionUri, runCommand };
}

test('the first "Suppress" creates .depwarden.json and then shows its reason', async (t) => {
  const { suppress, shown, suppressionUri, runCommand } = await firstSuppress(t);
  // Created files are offered with their edit (whether the client can create them decides the offer).
  const [create, insert] = suppress.edit.documentChanges!;
  assert.deepEqual(create, { kind: 'create', uri: suppressionUri });
  const created = applyLspEdits('', insert.edits!);
  await runCommand();
  assert.equal(shown[0]?.uri, suppressionUri);
  assert.equal(textAt(created, shown[0].selection!), 'TODO: say why this is acceptable');
});

test('an editor that could not show .depwarden.json the first time is asked once more, and not again after that', async (t) => {
  const { shown, suppressionUri, runCommand } = await firstSuppress(t, 5);
  await runCommand();
  // Two asks (the first refused, then one retry), and the command still ends normally.
  assert.equal(shown.length, 2);
  assert.ok(shown.every((s) => s.uri === suppressionUri && s.takeFocus === true));
  assert.deepEqual(shown[1].selection, shown[0].selection);
});
