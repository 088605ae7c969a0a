import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { scanFiles, type ScanResult } from '../../server/src/engine/scan';
import { discoverProjectFiles } from '../../server/src/engine/discover';
import { graphChildren, graphRoots, whyAt, whyPackage, type NodeRef, type ViewNode } from '../../server/src/lsp/graph-view';

const FOLDER = { uri: 'file:///work/app', name: 'app' };
const ALL = { riskyOnly: false };
const RISKY = { riskyOnly: true };

const integrity = (c: string) => `sha512-${c.repeat(86)}==`;

/** a -> c -> a is a cycle; c comes from a host that is not the registry (lockfile-host: error). */
const MANIFEST = `{
  "name": "app",
  "dependencies": {
    "a": "^1.0.0",
    "b": "^1.0.0"
  },
  "devDependencies": {
    "d": "^1.0.0"
  }
}
`;
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

function scanCycle(): ScanResult {
  return scanFiles([
    { path: 'package.json', text: MANIFEST },
    { path: 'package-lock.json', text: LOCK },
  ]);
}

const labels = (nodes: ViewNode[]) => nodes.map((n) => n.label);
const slice = (result: ScanResult, node: ViewNode) => result.project.texts.get(node.location!.file)!.slice(node.location!.span.start, node.location!.span.end);

test('lockfile -> workspaces -> direct dependencies -> what they pull in, with severities, cycles and locations', () => {
  const result = scanCycle();
  assert.ok(result.findings.some((f) => f.rule === 'lockfile-host' && f.package === 'c' && f.severity === 'error'), 'fixture: c is flagged');

  const roots = graphRoots(result, FOLDER, ALL);
  assert.equal(roots.length, 1);
  // The folder's only lockfile is labelled by the folder.
  assert.equal(roots[0].label, 'app');
  assert.match(roots[0].description!, /package-lock\.json · 4 packages/);
  assert.equal(roots[0].subtreeSeverity, 'error');

  const importers = graphChildren(result, roots[0].ref, ALL);
  assert.deepEqual(labels(importers), ['app']);
  assert.match(importers[0].description!, /\(root\)/);

  const direct = graphChildren(result, importers[0].ref, ALL);
  assert.deepEqual(labels(direct), ['a@1.0.0', 'b@1.0.0', 'd@1.0.0']);
  const [a, b, d] = direct;
  assert.equal(a.severity, undefined, 'nothing on a itself');
  assert.equal(a.subtreeSeverity, 'error', 'c below a');
  assert.equal(b.subtreeSeverity, 'error');
  assert.equal(d.subtreeSeverity, undefined);
  assert.equal(d.description, 'dev');
  assert.equal(d.hasChildren, false);
  // Direct dependencies open their package.json line.
  assert.equal(a.location!.file, 'package.json');
  assert.equal(slice(result, a), '"a"');

  const belowA = graphChildren(result, a.ref, ALL);
  assert.deepEqual(labels(belowA), ['c@1.0.0']);
  const c = belowA[0];
  assert.equal(c.severity, 'error');
  assert.ok(c.findings >= 1);
  assert.match(c.description!, /\d+ findings?/);
  assert.deepEqual((c.ref as Extract<NodeRef, { kind: 'package' }>).path, ['node_modules/a', 'node_modules/c']);
  // Transitive packages open their lockfile entry.
  assert.equal(c.location!.file, 'package-lock.json');
  assert.equal(slice(result, c), '"node_modules/c"');

  // c -> a: a is already on the path, so it shows without children.
  const belowC = graphChildren(result, c.ref, ALL);
  assert.deepEqual(labels(belowC), ['a@1.0.0']);
  assert.equal(belowC[0].cycle, true);
  assert.equal(belowC[0].hasChildren, false);
  assert.match(belowC[0].description!, /\(cycle\)/);
  assert.deepEqual(graphChildren(result, belowC[0].ref, ALL), []);
});

test('"risky only" keeps what has a finding or leads to one', () => {
  const result = scanCycle();
  const [root] = graphRoots(result, FOLDER, RISKY);
  const [importer] = graphChildren(result, root.ref, RISKY);
  assert.deepEqual(labels(graphChildren(result, importer.ref, RISKY)), ['a@1.0.0', 'b@1.0.0']);

  // A clean project has nothing risky at all.
  const clean = scanFiles([
    { path: 'package.json', text: '{ "name": "x", "dependencies": { "d": "1.0.0" } }' },
    {
      path: 'package-lock.json',
      text: JSON.stringify({
        name: 'x',
        lockfileVersion: 3,
        packages: { '': { name: 'x', dependencies: { d: '1.0.0' } }, 'node_modules/d': { version: '1.0.0', resolved: 'https://registry.npmjs.org/d/-/d-1.0.0.tgz', integrity: integrity('d') } },
      }),
    },
  ]);
  assert.equal(graphRoots(clean, FOLDER, ALL).length, 1);
  assert.deepEqual(graphRoots(clean, FOLDER, RISKY), []);
});

test('why: every way in (a path from each direct dependency that pulls it in), from a lockfile position, a package.json line or a name', () => {
  const result = scanCycle();
  const byName = whyPackage(result, FOLDER, 'c');
  assert.equal(byName.target, 'c@1.0.0');
  // a and b both depend on c: one workspace, two ways in.
  assert.deepEqual(byName.paths.map((p) => p.names).sort(), [['a', 'c'], ['b', 'c']]);
  assert.equal(byName.total, 2);
  assert.ok(byName.paths.every((p) => p.importerLabel === 'app'));
  for (const p of byName.paths) assertRevealable(result, p.ref);

  const lock = result.project.texts.get('package-lock.json')!;
  const inC = lock.indexOf('evil.example.com');
  const atPosition = whyAt(result, FOLDER, 'package-lock.json', inC);
  assert.deepEqual(atPosition, byName);

  const onLine = whyAt(result, FOLDER, 'package.json', MANIFEST.indexOf('"d"') + 1);
  assert.equal(onLine.target, 'd@1.0.0');
  assert.deepEqual(onLine.paths.map((p) => p.names), [['d']]);

  assert.deepEqual(whyPackage(result, FOLDER, 'not-installed').paths, []);
});

test('workspace links show their folder\'s dependencies; why walks through them', () => {
  const text = readFileSync(path.join(__dirname, '../fixtures/lockfiles/npm-v3-workspaces/package-lock.json'), 'utf8');
  const result = scanFiles([{ path: 'package-lock.json', text }]);
  const [root] = graphRoots(result, FOLDER, ALL);
  const importers = graphChildren(result, root.ref, ALL);
  assert.deepEqual(importers.map((n) => (n.ref as { importer: string }).importer), ['', 'packages/app', 'packages/util']);
  const rootDeps = graphChildren(result, importers[0].ref, ALL);
  const localLib = rootDeps.find((n) => n.label === 'local-lib@0.0.1')!;
  assert.match(localLib.description!, /workspace/);
  assert.equal(localLib.subtreeSeverity, 'error');
  const below = graphChildren(result, localLib.ref, ALL);
  assert.deepEqual(labels(below), ['left-pad@1.3.0', 'tarball-dep@2.0.0']);
  assert.equal(below[1].severity, 'error');

  // A dependency the lockfile does not resolve still shows, without children.
  const utilDeps = graphChildren(result, importers[2].ref, ALL);
  const fsevents = utilDeps.find((n) => n.label.startsWith('fsevents@'))!;
  assert.match(fsevents.description!, /not in the lockfile/);
  assert.equal(fsevents.hasChildren, false);

  const why = whyPackage(result, FOLDER, 'has-flag');
  assert.equal(why.target, 'has-flag@4.0.0');
  assert.deepEqual(why.paths.map((p) => [p.importer, p.names]), [['packages/app', ['chalk', 'supports-color', 'has-flag']]]);
  assertRevealable(result, why.paths[0].ref);

  const tarball = whyPackage(result, FOLDER, 'tarball-dep');
  assert.deepEqual(tarball.paths[0].names, ['local-lib', 'tarball-dep']);
  assertRevealable(result, tarball.paths[0].ref);
});

/** The tree reaches a why-path's node by expanding each step (what the client's reveal does). */
function assertRevealable(result: ScanResult, ref: Extract<NodeRef, { kind: 'package' }>, options = ALL): void {
  const roots = graphRoots(result, FOLDER, options);
  const root = roots.find((n) => (n.ref as { lockfile?: string }).lockfile === ref.lockfile)!;
  const importer = graphChildren(result, root.ref, options).find((n) => (n.ref as { importer: string }).importer === ref.importer);
  assert.ok(importer, `importer ${ref.importer} in the tree`);
  let parent: ViewNode = importer;
  for (let i = 1; i <= ref.path.length; i++) {
    const want = ref.path.slice(0, i);
    const next = graphChildren(result, parent.ref, options).find((n) => JSON.stringify((n.ref as { path?: string[] }).path) === JSON.stringify(want));
    assert.ok(next, `step ${i} (${want.at(-1)}) under ${parent.label}`);
    assert.ok(i === ref.path.length || next.hasChildren, `${next.label} expands`);
    parent = next;
  }
}

test('theia corpus (2,093 packages, 106 workspaces): the first levels and a deep "why" are immediate', async () => {
  const root = '/work/shared/corpus/lockfiles/theia-npm-v3';
  const { files } = await discoverProjectFiles(root);
  const result = scanFiles(files);
  const folder = { uri: 'file:///theia', name: 'theia' };
  const time = <T>(f: () => T): [T, number] => {
    const start = performance.now();
    const value = f();
    return [value, performance.now() - start];
  };

  const [roots, rootsMs] = time(() => graphRoots(result, folder, ALL));
  assert.equal(roots.length, 1);
  assert.match(roots[0].description!, /2,093 packages/);
  const [importers, importersMs] = time(() => graphChildren(result, roots[0].ref, ALL));
  assert.equal(importers.length, 107, 'the root and 106 workspaces');
  assert.ok(importers.every((n) => !n.label.includes('/') || n.label.startsWith('@')), 'labelled by package.json name');
  const core = importers.find((n) => n.label === '@theia/core')!;
  assert.ok(core, '@theia/core workspace');
  const [coreDeps, coreMs] = time(() => graphChildren(result, core.ref, ALL));
  assert.ok(coreDeps.length > 50);
  const expandable = coreDeps.filter((n) => n.hasChildren);
  const [level2, level2Ms] = time(() => expandable.map((n) => graphChildren(result, n.ref, ALL)));
  assert.ok(level2.every((children) => children.length > 0), 'hasChildren means children');
  const [riskyRoots, riskyMs] = time(() => {
    const r = graphRoots(result, folder, RISKY);
    return r.length ? graphChildren(result, r[0].ref, RISKY) : [];
  });
  assert.ok(riskyRoots.length <= importers.length);

  // The deepest package: the longest shortest path of the graph.
  const graph = result.project.graphs.get('package-lock.json')!;
  let deepest = graph.lockfile.packages[0];
  for (const p of graph.lockfile.packages) if ((graph.via(p.id)?.length ?? 0) > (graph.via(deepest.id)?.length ?? 0)) deepest = p;
  const depth = graph.via(deepest.id)!.length;
  assert.ok(depth >= 5, `deep package (${deepest.id}, depth ${depth})`);
  const [why, whyMs] = time(() => whyPackage(result, folder, deepest.name, deepest.version));
  assert.ok(why.paths.length >= 1);
  const shortest = why.paths[0];
  assert.equal(shortest.names.at(-1), deepest.name);
  assert.equal(shortest.names.length, depth, 'as short as the graph\'s via');
  assertRevealable(result, shortest.ref);
  const [, why2Ms] = time(() => whyAt(result, folder, 'package-lock.json', deepest.span.start + 1));

  console.log(
    `theia: roots ${rootsMs.toFixed(1)} ms (builds the per-result index), workspaces ${importersMs.toFixed(1)} ms, ` +
      `@theia/core's ${coreDeps.length} deps ${coreMs.toFixed(1)} ms, their ${expandable.length} expansions ${level2Ms.toFixed(1)} ms, ` +
      `risky-only roots+workspaces ${riskyMs.toFixed(1)} ms, why ${deepest.name}@${deepest.version} (depth ${depth}, ${why.paths.length} workspaces) ${whyMs.toFixed(1)} ms, why at a position ${why2Ms.toFixed(1)} ms`,
  );
});
