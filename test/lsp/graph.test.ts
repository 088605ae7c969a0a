// Run `npm run build` first: these tests start dist/server.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { tempProject } from '../support/fixtures';
import { LspTestClient, uriOf } from '../support/lsp-client';
import { openProject } from '../support/lsp-project';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
interface Node {
  ref: { kind: string; path?: string[]; importer?: string };
  label: string;
  description?: string;
  severity?: string;
  subtreeSeverity?: string;
  hasChildren: boolean;
  cycle?: boolean;
  location?: { uri: string; range: Range };
}
interface Why {
  target: string;
  paths: { ref: Node['ref']; importer: string; importerLabel: string; names: string[] }[];
}

const integrity = (c: string) => `sha512-${c.repeat(86)}==`;
const MANIFEST = '{\n  "name": "app",\n  "dependencies": {\n    "a": "^1.0.0",\n    "b": "^1.0.0"\n  },\n  "devDependencies": {\n    "d": "^1.0.0"\n  }\n}\n';
const LOCK = JSON.stringify(
  {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies: { a: '^1.0.0', b: '^1.0.0' }, devDependencies: { d: '^1.0.0' } },
      'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: integrity('a'), dependencies: { c: '^1.0.0' } },
      'node_modules/b': { version: '1.0.0', resolved: 'https://registry.npmjs.org/b/-/b-1.0.0.tgz', integrity: integrity('b'), dependencies: { c: '^1.0.0' } },
      'node_modules/c': { version: '1.0.0', resolved: 'https://evil.example.com/c/-/c-1.0.0.tgz', integrity: integrity('c'), dependencies: { a: '^1.0.0' } },
      'node_modules/d': { version: '1.0.0', resolved: 'https://registry.npmjs.org/d/-/d-1.0.0.tgz', integrity: integrity('d'), dev: true },
    },
  },
  null,
  2,
);

const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length - 1;

test('depwarden/graphChildren and depwarden/why through the server; findings on lockfile entries offer "Why is … here?"', async (t) => {
  const dir = tempProject({ 'package.json': MANIFEST, 'package-lock.json': LOCK }, 'depwarden-graph-');
  const { client } = await openProject(t, dir);
  const lockUri = uriOf(path.join(dir, 'package-lock.json'));
  const manifestUri = uriOf(path.join(dir, 'package.json'));
  const hostDiag = await client.waitFor(() => client.diagnostics.get(lockUri)?.find((d) => d.code === 'lockfile-host'), 'lockfile-host on c');

  const children = (parent?: Node['ref'], riskyOnly = false) => client.connection.sendRequest('depwarden/graphChildren', { parent, riskyOnly }) as Promise<Node[]>;
  const roots = await children();
  assert.equal(roots.length, 1);
  assert.equal(roots[0].label, path.basename(dir));
  assert.equal(roots[0].subtreeSeverity, 'error');
  assert.equal(roots[0].location!.uri, lockUri);

  const [importer] = await children(roots[0].ref);
  assert.equal(importer.label, 'app');
  assert.equal(importer.location!.uri, manifestUri);
  const direct = await children(importer.ref);
  assert.deepEqual(direct.map((n) => n.label), ['a@1.0.0', 'b@1.0.0', 'd@1.0.0']);
  // A direct dependency opens its package.json line.
  assert.deepEqual(direct[0].location, { uri: manifestUri, range: { start: { line: 3, character: 4 }, end: { line: 3, character: 7 } } });
  assert.equal(direct[0].subtreeSeverity, 'error');

  const [c] = await children(direct[0].ref);
  assert.equal(c.label, 'c@1.0.0');
  assert.equal(c.severity, 'error');
  assert.equal(c.location!.uri, lockUri);
  assert.equal(c.location!.range.start.line, lineOf(LOCK, '"node_modules/c"'));
  const [cycle] = await children(c.ref);
  assert.equal(cycle.label, 'a@1.0.0');
  assert.equal(cycle.cycle, true);
  assert.equal(cycle.hasChildren, false);

  const risky = await children(importer.ref, true);
  assert.deepEqual(risky.map((n) => n.label), ['a@1.0.0', 'b@1.0.0']);

  // why: from a position in the lockfile, and by name.
  const atEntry = (await client.connection.sendRequest('depwarden/why', { uri: lockUri, position: hostDiag.range.start })) as Why;
  assert.equal(atEntry.target, 'c@1.0.0');
  assert.deepEqual(atEntry.paths.map((p) => p.names).sort(), [['a', 'c'], ['b', 'c']], 'a and b both pull c in');
  const byName = (await client.connection.sendRequest('depwarden/why', { package: 'c', version: '1.0.0' })) as Why;
  assert.deepEqual(byName, atEntry);

  // The code action carries the command the client runs.
  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: lockUri },
    range: hostDiag.range,
    context: { diagnostics: [hostDiag] },
  })) as { title: string; isPreferred?: boolean; command?: { command: string; arguments: unknown[] } }[];
  const why = actions.find((a) => a.title === 'Why is c here?');
  assert.ok(why, JSON.stringify(actions.map((a) => a.title)));
  assert.equal(why.isPreferred, false);
  assert.deepEqual(why.command, { title: 'Why is c here?', command: 'depwarden.whyIsThisHere', arguments: [{ package: 'c', version: '1.0.0' }] });
});

test('theia corpus through the server: roots, first expansions and a deep "why" (times printed)', async (t) => {
  const root = '/work/shared/corpus/lockfiles/theia-npm-v3';
  const client = new LspTestClient();
  t.after(() => client.shutdown());
  await client.initialize(root);
  await client.waitFor(() => client.statuses.some((s) => (s as { packages: number }).packages > 2000), 'the theia scan', 60000);

  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const value = await f();
    return [value, performance.now() - start];
  };
  const children = (parent?: Node['ref'], riskyOnly = false) => client.connection.sendRequest('depwarden/graphChildren', { parent, riskyOnly }) as Promise<Node[]>;
  const [roots, rootsMs] = await timed(() => children());
  assert.equal(roots.length, 1);
  assert.match(roots[0].description!, /2,093 packages/);
  const [importers, importersMs] = await timed(() => children(roots[0].ref));
  assert.equal(importers.length, 107);
  const core = importers.find((n) => n.label === '@theia/core')!;
  const [deps, depsMs] = await timed(() => children(core.ref));
  assert.ok(deps.length > 50);
  assert.ok(deps.every((d) => d.location?.uri.endsWith('/packages/core/package.json')), 'direct dependencies open packages/core/package.json');
  const expandable = deps.filter((d) => d.hasChildren).slice(0, 10);
  const [level2, level2Ms] = await timed(() => Promise.all(expandable.map((d) => children(d.ref))));
  assert.ok(level2.every((c) => c.length > 0));

  // A deep transitive package (depth 8 in this lockfile): the shortest path ends at it.
  const [why, whyMs] = await timed(() => client.connection.sendRequest('depwarden/why', { package: 'async-function', version: '1.0.0' }) as Promise<Why>);
  assert.equal(why.target, 'async-function@1.0.0');
  assert.ok(why.paths.length >= 1);
  assert.equal(why.paths[0].names.at(-1), 'async-function');
  assert.ok(why.paths[0].names.length >= 5, why.paths[0].names.join(' > '));
  // Every step of the path is a node the tree can expand to (what the client's reveal walks).
  const ref = why.paths[0].ref as { path: string[]; importer: string };
  let parent = importers.find((n) => n.ref.importer === ref.importer)!;
  for (let i = 1; i <= ref.path.length; i++) {
    const next = (await children(parent.ref)).find((n) => JSON.stringify(n.ref.path) === JSON.stringify(ref.path.slice(0, i)));
    assert.ok(next, `step ${i} of ${why.paths[0].names.join(' > ')}`);
    parent = next;
  }
  console.log(
    `theia over LSP: roots ${rootsMs.toFixed(1)} ms, 107 workspaces ${importersMs.toFixed(1)} ms, @theia/core's ${deps.length} deps ${depsMs.toFixed(1)} ms, ` +
      `${expandable.length} expansions ${level2Ms.toFixed(1)} ms, why async-function (${why.paths[0].names.join(' > ')}) ${whyMs.toFixed(1)} ms`,
  );
});

test('a package pulled in by four direct dependencies: the hover and the report list three paths and "1 more", "Why is this here?" all four', async (t) => {
  const direct = ['a', 'b', 'e', 'f'];
  const entry = (name: string, extra: Record<string, unknown> = {}) => ({ version: '1.0.0', resolved: `https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz`, integrity: integrity(name), ...extra });
  const lock = JSON.stringify(
    {
      name: 'app',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', dependencies: Object.fromEntries(direct.map((n) => [n, '^1.0.0'])) },
        ...Object.fromEntries(direct.map((n) => [`node_modules/${n}`, entry(n, { dependencies: { c: '^1.0.0' } })])),
        'node_modules/c': entry('c', { resolved: 'https://evil.example.com/c/-/c-1.0.0.tgz' }),
      },
    },
    null,
    2,
  );
  const manifest = JSON.stringify({ name: 'app', dependencies: Object.fromEntries(direct.map((n) => [n, '^1.0.0'])) }, null, 2);
  const { client, dir, uri } = await openProject(t, { 'package.json': manifest, 'package-lock.json': lock }, { prefix: 'depwarden-paths-' });
  const lockUri = uri('package-lock.json');
  const hostDiag = await client.waitFor(() => client.diagnostics.get(lockUri)?.find((d) => d.code === 'lockfile-host'), 'lockfile-host on c');
  const viaLines = (markdown: string) => markdown.split(/ {2}\n|\n/).filter((l) => /^\s*(- )?(via |and \d+ more path)/.test(l)).map((l) => l.replace(/^\s*- /, '').replace(/\\/g, ''));
  const expected = ['via `a` › `c`', 'via `b` › `c`', 'via `e` › `c`', 'and 1 more path: "Why is c here?" lists them all'];

  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: lockUri, languageId: 'json', version: 1, text: lock } });
  const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: lockUri }, position: hostDiag.range.start })) as { contents: { value: string } };
  assert.deepEqual(viaLines(hover.contents.value), expected, hover.contents.value);
  const report = (await client.connection.sendRequest('depwarden/report', { linkBase: uriOf(dir) })) as string;
  const hostSection = report.slice(report.indexOf('[`lockfile-host`]'));
  assert.deepEqual(viaLines(hostSection.slice(0, hostSection.indexOf('\n\n', hostSection.indexOf('\n- ')))), expected, report);

  const why = (await client.connection.sendRequest('depwarden/why', { package: 'c', version: '1.0.0' })) as Why & { total: number };
  assert.deepEqual(why.paths.map((p) => p.names), direct.map((n) => [n, 'c']));
  assert.equal(why.total, 4);
});
