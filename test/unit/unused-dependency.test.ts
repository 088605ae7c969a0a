import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scanFiles } from '../../server/src/engine/scan';
import { discoverProjectFiles } from '../../server/src/engine/discover';
import { roleOfPath } from '../../server/src/engine/project';
import {
  emptyUsageIndex,
  extractConfigNames,
  extractSourceNames,
  packageNameOf,
  usageKindOfPath,
  usageOfText,
  type UsageIndex,
} from '../../server/src/engine/source-usage';
import { aliasesOf } from '../../server/src/engine/rules/unused-dependency';
import { applyTextEdits } from '../../server/src/engine/fixes/text-edits';
import { fixEdits } from '../../server/src/engine/fixes/fix-edits';

test('module specifiers: import, export from, import(), require, require.resolve, reference types, mocks, styles', () => {
  const text = `
    /// <reference types="ref-types" />
    import def, { a } from 'esm-a';
    import type { T } from "@types-only/pkg/sub";
    import 'side-effect';
    export * from 'reexport/deep/path.js';
    export { x } from '@scope/reexported';
    const b = require('cjs-b');
    const p = require.resolve('resolved-c/package.json');
    const d = await import('dynamic-d');
    const e = import.meta.resolve('meta-e');
    jest.mock('mocked-f');
    vi.importActual("actual-g");
    import h = require('ts-eq-h');
    declare module 'augmented-i' {}
    execSync('prettier --check .');
    const viaVariable = '@vscode/test-electron';
    require('./relative'); require('../up'); require('/abs'); require('node:fs'); require('#internal');
    import(\`templ-\${x}\`); require('https://example.com/x.js');
  `;
  const names = extractSourceNames(text).sort();
  assert.deepEqual(names, [
    '@scope/reexported', '@types-only/pkg', '@vscode/test-electron', 'actual-g', 'augmented-i', 'cjs-b', 'dynamic-d', 'esm-a',
    'meta-e', 'mocked-f', 'prettier', 'reexport', 'ref-types', 'resolved-c', 'side-effect', 'ts-eq-h',
  ]);
  assert.deepEqual(extractSourceNames(`@import "~bootstrap/scss/x"; @use 'sass-pkg'; <script src="node_modules/vendor-x/dist/a.js">`).sort(), ['bootstrap', 'sass-pkg', 'vendor-x']);
  assert.deepEqual(extractSourceNames(`require('style-loader!css-loader!./a.css')`).sort(), ['css-loader', 'style-loader']);
  assert.deepEqual(extractSourceNames(`const s = 'utf8'; log("error")`), [], 'plain words are not package names');
});

test('packageNameOf', () => {
  assert.equal(packageNameOf('lodash/fp'), 'lodash');
  assert.equal(packageNameOf('@a/b/c'), '@a/b');
  assert.equal(packageNameOf('@a'), undefined);
  assert.equal(packageNameOf('node:fs'), undefined);
  assert.equal(packageNameOf('./x'), undefined);
  assert.equal(packageNameOf('x?raw'), 'x');
  assert.equal(packageNameOf('~x/y.css'), 'x');
});

test('config files: every token that may name a package, with plugin: heads and scopes', () => {
  const names = new Set(extractConfigNames(`{"extends": ["plugin:@typescript-eslint/recommended", "airbnb"], "plugins": ["React"], preset: ts-jest}`));
  for (const n of ['@typescript-eslint/recommended', '@typescript-eslint', 'airbnb', 'react', 'ts-jest']) assert.ok(names.has(n), n);
  assert.deepEqual(aliasesOf('eslint-plugin-react'), ['eslint-plugin-react', 'react']);
  assert.ok(aliasesOf('@typescript-eslint/eslint-plugin').includes('@typescript-eslint'));
  assert.ok(aliasesOf('@babel/preset-env').includes('@babel/env'));
  // A JS config also imports.
  assert.ok(usageOfText('config', 'vite.config.ts', `import react from '@vitejs/plugin-react'`).names.includes('@vitejs/plugin-react'));
});

test('file roles: sources and tool configuration, policy files unchanged', () => {
  const cases: [string, string | undefined][] = [
    ['src/a.ts', 'source'], ['a.mjs', 'source'], ['c.vue', 'source'], ['s.scss', 'source'], ['README.md', undefined], ['img.png', undefined],
    ['jest.config.js', 'config'], ['.eslintrc', 'config'], ['.babelrc.json', 'config'], ['.mocharc.yml', 'config'], ['tsconfig.build.json', 'config'],
    ['karma.conf.js', 'config'], ['webpack.prod.js', 'config'], ['.husky/pre-commit', 'config'], ['.storybook/main.ts', 'config'], ['angular.json', 'config'],
    ['data.json', undefined],
  ];
  for (const [p, kind] of cases) assert.equal(usageKindOfPath(p), kind, p);
  assert.equal(roleOfPath('.npmrc'), 'config');
  assert.equal(roleOfPath('.yarnrc.yml'), 'config');
  assert.equal(roleOfPath('package.json'), 'manifest');
  assert.equal(roleOfPath('src/a.ts'), 'source');
});

const manifestText = (deps: Record<string, string>, devDeps: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'app', version: '1.0.0', ...extra, dependencies: deps, devDependencies: devDeps }, null, 2) + '\n';

function usage(files: Record<string, { kind?: 'source' | 'config'; names: string[]; incomplete?: boolean }>, unindexed: string[] = []): UsageIndex {
  const u = emptyUsageIndex();
  for (const [p, f] of Object.entries(files)) u.files.set(p, { kind: f.kind ?? 'source', names: f.names, ...(f.incomplete ? { incomplete: true } : {}) });
  for (const d of unindexed) u.unindexedDirs.add(d);
  return u;
}

function unused(text: string, index: UsageIndex | undefined, extraFiles: { path: string; text: string }[] = []): string[] {
  return scanFiles([{ path: 'package.json', text }, ...extraFiles], { usage: index })
    .findings.filter((f) => f.rule === 'unused-dependency')
    .map((f) => f.package!)
    .sort();
}

test('each kind of evidence makes a dependency used; without it the dependency is reported', () => {
  const base = { 'src/main.js': { names: ['kept'] } };
  // [dependency, files that use it, extra package.json fields]
  const cases: [string, Record<string, { kind?: 'source' | 'config'; names: string[] }>, Record<string, unknown>?][] = [
    ['imported', { 'src/x.js': { names: ['imported'] } }],
    ['ts-jest', { 'jest.config.js': { kind: 'config', names: extractConfigNames(`module.exports = { preset: 'ts-jest' }`) } }],
    ['eslint-plugin-react', { '.eslintrc.json': { kind: 'config', names: extractConfigNames(`{"plugins":["react"]}`) } }],
    ['rimraf', {}, { scripts: { clean: 'rimraf dist' } }],
    ['typescript', {}, { scripts: { build: 'tsc -p .' } }],
    ['@changesets/cli', {}, { scripts: { release: 'changeset publish' } }],
    ['@biomejs/biome', {}, { scripts: { lint: 'biome check .' } }],
    ['ts-node', {}, { scripts: { dev: 'node -r ts-node/register src/main.ts' } }],
    ['@acme/prettier-config', {}, { prettier: '@acme/prettier-config' }],
    ['lint-staged', {}, { 'lint-staged': { '*.js': 'eslint --fix' } }],
    ['@types/lodash', { 'src/y.ts': { names: [] } }],
    ['@types/node', { 'src/z.js': { names: ['fs'] } }],
    ['@types/express', { 'src/z.js': { names: ['express'] } }],
    ['eslint-config-prettier', { 'eslint.config.js': { kind: 'config', names: [] } }],
    ['@vitest/coverage-v8', {}, { scripts: { test: 'vitest run --coverage' } }],
    ['react', { 'src/App.jsx': { names: [] } }],
    ['react-dom', {}, { dependencies: undefined }],
  ];
  for (const [dep, files, extra] of cases) {
    const deps: Record<string, string> = { kept: '^1.0.0', [dep]: '^1.0.0' };
    if (dep === 'react-dom') deps.next = '^14.0.0';
    const manifestWithout = manifestText(deps);
    if (dep !== 'react-dom') assert.deepEqual(unused(manifestWithout, usage(base)), [dep], `${dep} is reported without evidence`);
    const manifestWith = manifestText(deps, {}, Object.fromEntries(Object.entries(extra ?? {}).filter(([, v]) => v !== undefined)));
    const found = unused(manifestWith, usage({ ...base, ...files })).filter((n) => n !== 'next');
    assert.deepEqual(found, [], `${dep} counts as used`);
  }
});

test('a dependency another dependency needs (a peer, per the lockfile) counts as used', () => {
  const text = manifestText({ kept: '^1.0.0', host: '^1.0.0', peer: '^2.0.0' });
  const lock = JSON.stringify({
    lockfileVersion: 3,
    packages: {
      '': { dependencies: { kept: '^1.0.0', host: '^1.0.0', peer: '^2.0.0' } },
      'node_modules/kept': { version: '1.0.0', resolved: 'https://registry.npmjs.org/kept/-/kept-1.0.0.tgz', integrity: 'sha512-x' },
      'node_modules/host': { version: '1.0.0', resolved: 'https://registry.npmjs.org/host/-/host-1.0.0.tgz', integrity: 'sha512-x', peerDependencies: { peer: '^2.0.0' } },
      'node_modules/peer': { version: '2.0.0', resolved: 'https://registry.npmjs.org/peer/-/peer-2.0.0.tgz', integrity: 'sha512-x' },
    },
  });
  const index = usage({ 'src/a.js': { names: ['kept', 'host'] } });
  assert.deepEqual(unused(text, index), ['peer']);
  assert.deepEqual(unused(text, index, [{ path: 'package-lock.json', text: lock }]), []);
});

test('silent where the sources are not fully known, or absent', () => {
  const text = manifestText({ a: '^1.0.0' });
  assert.deepEqual(unused(text, usage({ 'src/x.js': { names: [] } })), ['a'], 'baseline');
  assert.deepEqual(unused(text, undefined), [], 'no usage index: the rule does not run');
  assert.deepEqual(unused(text, usage({})), [], 'no source files: nothing to judge by');
  assert.deepEqual(unused(text, usage({ 'src/x.js': { names: [] }, 'src/big.js': { names: [], incomplete: true } })), [], 'a file over the size limit');
  assert.deepEqual(unused(text, usage({ 'src/x.js': { names: [] } }, ['src/deep'])), [], 'the file-count limit was reached');
  // A limit hit in another workspace does not silence this one.
  const nested = [{ path: 'other/package.json', text: manifestText({ b: '^1.0.0' }) }];
  const index = usage({ 'src/x.js': { names: [] }, 'other/big.js': { names: [], incomplete: true } });
  const found = scanFiles([{ path: 'package.json', text }, ...nested], { usage: index }).findings.filter((f) => f.rule === 'unused-dependency');
  assert.deepEqual(found.map((f) => `${f.file}:${f.package}`), []);
  const index2 = usage({ 'src/x.js': { names: [] }, 'other/x.js': { names: [] }, 'other/big.js': { names: [], incomplete: true } });
  const found2 = scanFiles([{ path: 'package.json', text }, ...nested], { usage: index2 }).findings.filter((f) => f.rule === 'unused-dependency');
  assert.deepEqual(found2.map((f) => `${f.file}:${f.package}`), [], 'the root covers other/, which is incomplete');
  const index3 = usage({ 'src/x.js': { names: [] }, 'other/x.js': { names: [] }, 'src/big.js': { names: [], incomplete: true } });
  const found3 = scanFiles([{ path: 'package.json', text }, ...nested], { usage: index3 }).findings.filter((f) => f.rule === 'unused-dependency');
  assert.deepEqual(found3.map((f) => `${f.file}:${f.package}`), ['other/package.json:b'], 'other/ is complete on its own');
});

test('the finding is on the name, info, and its quick fix removes the property', () => {
  const text = manifestText({ used: '^1.0.0', gone: '^2.0.0' });
  const result = scanFiles([{ path: 'package.json', text }], { usage: usage({ 'index.js': { names: ['used'] } }) });
  const f = result.findings.find((x) => x.rule === 'unused-dependency')!;
  assert.equal(f.severity, 'info');
  assert.equal(text.slice(f.span.start, f.span.end), '"gone"');
  assert.match(f.evidence![0], /1 source file and 0 configuration files/);
  const remove = f.fixes.find((x) => x.kind === 'remove')!;
  assert.equal(remove.title, 'Remove gone from dependencies');
  const after = applyTextEdits(text, fixEdits(remove)!);
  assert.deepEqual(JSON.parse(after).dependencies, { used: '^1.0.0' });
  assert.ok(after.includes('  "dependencies": {\n    "used": "^1.0.0"\n  }'), after);
});

test('discovery indexes sources, skips output folders, and marks what it could not read', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'depwarden-usage-'));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('package.json', manifestText({ a: '^1.0.0', b: '^1.0.0' }));
  write('src/one.js', `require('a')`);
  write('dist/out.js', `require('b')`);
  write('node_modules/b/index.js', `require('b')`);
  write('src/big.js', `require('b')\n${'x'.repeat(2000)}`);
  write('src/two.js', `require('c')`);
  const full = await discoverProjectFiles(root);
  assert.deepEqual([...full.usage!.files.keys()].sort(), ['src/big.js', 'src/one.js', 'src/two.js']);
  assert.deepEqual(full.files.map((f) => f.path), ['package.json'], 'sources are not handed over as texts');
  assert.deepEqual(unused(full.files[0].text, full.usage), [], 'b is used by src/big.js');

  const capped = await discoverProjectFiles(root, { maxSourceBytes: 1000 });
  assert.equal(capped.usage!.files.get('src/big.js')!.incomplete, true);
  assert.deepEqual(unused(capped.files[0].text, capped.usage), [], 'never a false "unused" when a file was not read');

  const few = await discoverProjectFiles(root, { maxSourceFiles: 1 });
  assert.ok(few.usage!.unindexedDirs.has('src'));
  assert.deepEqual(unused(few.files[0].text, few.usage), []);

  const off = await discoverProjectFiles(root, { indexSources: false });
  assert.equal(off.usage, undefined);
});
