// Run `npm run build` first: these tests start dist/server.js and dist/cli.js.
//
// One problem per finding (#12 item 5, #15 item 6): a finding that concerns a lockfile entry
// and a package.json line is published once, where depwarden.lockfileFindings says, with
// the other place as relatedInformation; hovers, quick fixes and "why" answer at both
// places; the status bar counts what the Problems panel shows; the Dependencies tree
// counts each finding once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempProject } from '../support/fixtures';
import { LspTestClient, uriOf } from '../support/lsp-client';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
interface Diag {
  range: Range;
  code?: string;
  severity?: number;
  message: string;
  relatedInformation?: { location: { uri: string; range: Range }; message: string }[];
}
interface CliFinding {
  rule: string;
  severity: string;
  package: string | null;
  file: string;
  range: Range;
  via: string[];
  also?: { file: string; range: Range }[];
  suppressed?: unknown;
}
interface Status {
  error: number;
  warning: number;
  info: number;
  hint: number;
  lookingUp: boolean;
}

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const integrity = (c: string) => `sha512-${c.repeat(86)}==`;
// expresss: a typosquat both rules' halves see (package.json key and lockfile entry): one finding.
// b: resolved from another host, a direct dependency: lockfile finding about a package.json line.
// c: the same, pulled in by a: lockfile finding, the package.json line of a pulls it in.
const MANIFEST = '{\n  "name": "app",\n  "dependencies": {\n    "expresss": "^4.0.0",\n    "a": "^1.0.0",\n    "b": "^1.0.0"\n  }\n}\n';
const LOCK = JSON.stringify(
  {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies: { expresss: '^4.0.0', a: '^1.0.0', b: '^1.0.0' } },
      'node_modules/expresss': { version: '4.0.0', resolved: 'https://registry.npmjs.org/expresss/-/expresss-4.0.0.tgz', integrity: integrity('e') },
      'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: integrity('a'), dependencies: { c: '^1.0.0' } },
      'node_modules/b': { version: '1.0.0', resolved: 'https://evil.example.com/b/-/b-1.0.0.tgz', integrity: integrity('b') },
      'node_modules/c': { version: '1.0.0', resolved: 'https://evil.example.com/c/-/c-1.0.0.tgz', integrity: integrity('c') },
    },
  },
  null,
  2,
);

const at = (file: string, r: Range) => `${file}:${r.start.line}:${r.start.character}`;
const placesOf = (f: CliFinding) => [{ file: f.file, range: f.range }, ...(f.also ?? [])];
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length - 1;

test('each finding is one problem, placed by depwarden.lockfileFindings; the status bar and the tree count the same', async (t) => {
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK }, 'depwarden-one-problem-');
  const client = new LspTestClient();
  t.after(async () => {
    await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  const lockUri = uriOf(path.join(dir, 'package-lock.json'));
  const fileOf = (uri: string) => path.relative(dir, fileURLToPath(uri)).split(path.sep).join('/');

  // depwarden's own count: the CLI lists each finding once, its other places in `also`.
  const cli = JSON.parse(execFileSync(process.execPath, [CLI, 'scan', dir, '--offline', '--format', 'json', '--quiet', '--fail-on', 'never'], { encoding: 'utf8' }));
  const findings = (cli.findings as CliFinding[]).filter((f) => !f.suppressed);
  const find = (rule: string, pkg: string) => findings.find((f) => f.rule === rule && f.package === pkg)!;
  const typo = find('typosquat', 'expresss');
  const direct = find('lockfile-host', 'b');
  const pulled = find('lockfile-host', 'c');
  assert.equal(findings.filter((f) => f.rule === 'typosquat').length, 1, 'the package.json key and the lockfile entry are one typosquat finding');
  assert.deepEqual(placesOf(typo).map((p) => p.file).sort(), ['package-lock.json', 'package.json']);
  assert.deepEqual(placesOf(direct).map((p) => p.file), ['package-lock.json', 'package.json']);
  assert.deepEqual(placesOf(pulled).map((p) => p.file), ['package-lock.json', 'package.json']);
  assert.deepEqual(pulled.via, ['a', 'c']);

  const published = (): (Diag & { file: string })[] => [...client.diagnostics].flatMap(([uri, diags]) => (diags as Diag[]).map((d) => ({ ...d, file: fileOf(uri) })));
  /** The diagnostics of a finding: its rule at one of its places. */
  const shownAt = (f: CliFinding) => published().filter((d) => d.code === f.rule && placesOf(f).some((p) => p.file === d.file && at(p.file, p.range) === at(d.file, d.range)));
  const shownIn = (f: CliFinding, file: string) => shownAt(f)[0]?.file === file;
  const statusTotal = () => {
    const s = client.statuses.at(-1) as Status | undefined;
    return s ? s.error + s.warning + s.info + s.hint : -1;
  };

  /**
   * Switches the setting (as VS Code does: didChangeConfiguration, then the server asks) and
   * waits for the panel to settle on `perFinding` diagnostics each, with `placed` true.
   */
  const settle = async (value: string | undefined, perFinding: (f: CliFinding) => number, placed: () => boolean = () => true) => {
    client.settings = { offline: true, debounceMs: 20, ...(value ? { lockfileFindings: value } : {}) };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    const expected = findings.reduce((n, f) => n + perFinding(f), 0);
    await client.waitFor(
      () => findings.every((f) => shownAt(f).length === perFinding(f)) && published().length === expected && statusTotal() === expected && placed(),
      `${value ?? 'default'}: ${expected} problems`,
    );
    assert.equal(published().length, expected);
    return expected;
  };

  await client.initialize(dir);

  // Default (auto): once each; a direct dependency's finding on its package.json line, a
  // pulled-in package's on its lockfile entry; the other place as related information.
  const total = await settle(undefined, () => 1, () => shownIn(pulled, 'package-lock.json') && shownIn(typo, 'package.json'));
  assert.equal(total, findings.length, 'the Problems panel and the status bar count what depwarden counts');
  const [typoDiag] = shownAt(typo);
  assert.equal(typoDiag.file, 'package.json');
  assert.deepEqual(typoDiag.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line]), [[lockUri, lineOf(LOCK, '"node_modules/expresss"')]]);
  assert.match(typoDiag.relatedInformation![0].message, /locked in package-lock\.json/);
  const [directDiag] = shownAt(direct);
  assert.equal(directDiag.file, 'package.json');
  assert.equal(directDiag.range.start.line, lineOf(MANIFEST, '"b"'));
  const [pulledDiag] = shownAt(pulled);
  assert.equal(pulledDiag.file, 'package-lock.json');
  assert.deepEqual(pulledDiag.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line]), [[manifestUri, lineOf(MANIFEST, '"a"')]]);
  assert.match(pulledDiag.relatedInformation![0].message, /pulled in by "a"/);

  // Where a finding is not shown it is still reachable: hover, quick fixes, "why".
  const lockEntry = { line: lineOf(LOCK, '"node_modules/expresss"'), character: 8 };
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: lockUri, languageId: 'json', version: 1, text: LOCK } });
  const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: lockUri }, position: lockEntry })) as { contents: { value: string } } | null;
  assert.match(hover?.contents.value ?? '', /looks like a typo of the popular package/);
  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: lockUri },
    range: { start: lockEntry, end: lockEntry },
    context: { diagnostics: [] },
  })) as { title: string }[];
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes('Replace with "express"'), JSON.stringify(titles));
  assert.ok(titles.includes('Why is expresss here?'), JSON.stringify(titles));
  const why = (await client.connection.sendRequest('depwarden/why', { package: 'expresss', version: '4.0.0' })) as { target: string; paths: { names: string[] }[] };
  assert.deepEqual(why.paths.map((p) => p.names), [['expresss']]);

  // The Dependencies tree counts each finding once on a node (the package.json line and the
  // lockfile entry of expresss are one node), and a file-wide note on the lockfile node.
  type Node = { ref: unknown; label: string; findings: number };
  const children = (parent?: unknown) => client.connection.sendRequest('depwarden/graphChildren', { parent, riskyOnly: false }) as Promise<Node[]>;
  const [root] = await children();
  const [importer] = await children(root.ref);
  const nodes = await children(importer.ref);
  const count = (label: string) => nodes.find((n) => n.label === label)?.findings;
  const onEntry = (pkg: string) => findings.filter((f) => f.package === pkg).length;
  assert.equal(count('expresss@4.0.0'), onEntry('expresss'));
  assert.equal(count('b@1.0.0'), onEntry('b'));
  assert.equal(count('a@1.0.0'), onEntry('a'));

  // lockfile: every finding that has a lockfile entry is shown there.
  await settle('lockfile', () => 1, () => shownIn(typo, 'package-lock.json'));
  assert.equal(shownAt(direct)[0].file, 'package-lock.json');
  assert.deepEqual(shownAt(direct)[0].relatedInformation?.map((r) => r.location.uri), [manifestUri]);
  // The package.json line still offers the typosquat's fixes.
  const keyLine = { line: lineOf(MANIFEST, '"expresss"'), character: 6 };
  const onKey = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: manifestUri }, range: { start: keyLine, end: keyLine }, context: { diagnostics: [] } })) as { title: string }[];
  assert.ok(onKey.some((a) => a.title === 'Replace with "express"'), JSON.stringify(onKey));

  // package.json: on the package.json line, also for a package another one pulls in.
  await settle('package.json', () => 1, () => shownIn(pulled, 'package.json'));
  assert.equal(shownAt(typo)[0].file, 'package.json');
  assert.equal(shownAt(pulled)[0].range.start.line, lineOf(MANIFEST, '"a"'));
  assert.deepEqual(shownAt(pulled)[0].relatedInformation?.map((r) => r.location.uri), [lockUri]);
  // There, "Why is c here?" answers for the package the finding is about, not for a.
  const aLine = { line: lineOf(MANIFEST, '"a"'), character: 5 };
  const onA = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: manifestUri }, range: { start: aLine, end: aLine }, context: { diagnostics: shownAt(pulled) } })) as { title: string }[];
  assert.ok(onA.some((a) => a.title === 'Why is c here?'), JSON.stringify(onA));

  // both: the old mirroring, by request: every place; the status bar counts as the panel does.
  await settle('both', (f) => placesOf(f).length);
  assert.equal(shownAt(pulled).length, 2);

  // A value VS Code's schema would reject falls back to the default.
  await settle('everywhere', () => 1, () => shownIn(pulled, 'package-lock.json') && shownIn(typo, 'package.json'));
});
