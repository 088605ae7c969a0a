import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYamlLibrary } from 'yaml';
import { parsePnpmLock, withoutPeers } from '../../server/src/engine/lockfile/pnpm';
import { readYamlSubset, readYamlWithLibrary, readYaml } from '../../server/src/engine/lockfile/yaml-subset';
import type { LockedPackage, Lockfile } from '../../server/src/engine/model';

// The shared corpus sits beside the project (../shared from the repository root).
const CORPUS = join(__dirname, '../../../shared/corpus/lockfiles');
const corpus = {
  v9: readFileSync(`${CORPUS}/vite-pnpm-v9/pnpm-lock.yaml`, 'utf8'),
  v6: readFileSync(`${CORPUS}/vite-pnpm-v6/pnpm-lock.yaml`, 'utf8'),
};

function parse(text: string): Lockfile {
  return parsePnpmLock('pnpm-lock.yaml', text);
}

function byId(lockfile: Lockfile): Map<string, LockedPackage> {
  return new Map(lockfile.packages.map((p) => [p.id, p]));
}

function pkg(lockfile: Lockfile, id: string): LockedPackage {
  const found = lockfile.packages.find((p) => p.id === id);
  assert.ok(found, `no package ${id} in ${lockfile.packages.map((p) => p.id).join(', ')}`);
  return found;
}

function importerDeps(lockfile: Lockfile, path: string): Record<string, string | undefined> {
  const importer = lockfile.importers.find((i) => i.path === path);
  assert.ok(importer, `no importer '${path}'`);
  return Object.fromEntries(importer.dependencies.map((d) => [d.name, d.id]));
}

/** The text a span covers. */
function at(text: string, span: { start: number; end: number } | undefined): string {
  assert.ok(span);
  return text.slice(span.start, span.end);
}

const V54 = `lockfileVersion: 5.4

specifiers:
  '@babel/core': ^7.20.0
  is-positive: ^1.0.0
  my-alias: npm:is-negative@^2.0.0
  local: link:../local
  repo: github:user/repo#abcdef0
  react-dom: ^17.0.0

dependencies:
  '@babel/core': 7.20.0
  is-positive: 1.0.0
  local: link:../local
  my-alias: /is-negative/2.1.0
  repo: github.com/user/repo/abcdef0123456789abcdef0123456789abcdef01

devDependencies:
  react-dom: 17.0.2_react@17.0.2

packages:

  /@babel/core/7.20.0:
    resolution: {integrity: sha512-AAAA}
    engines: {node: '>=6.9.0'}
    dependencies:
      '@babel/helper': 7.20.0
    dev: false

  /@babel/helper/7.20.0:
    resolution: {integrity: sha512-BBBB}
    dev: false

  /fsevents/2.3.2:
    resolution: {integrity: sha512-FFFF}
    engines: {node: ^8.16.0 || ^10.6.0 || >=11.0.0}
    os: [darwin]
    requiresBuild: true
    dev: true
    optional: true

  /is-negative/2.1.0:
    resolution: {integrity: sha512-DDDD, tarball: https://registry.example.com/is-negative/-/is-negative-2.1.0.tgz}
    dev: false

  /is-positive/1.0.0:
    resolution: {integrity: sha1-CCCC}
    engines: {node: '>=0.10.0'}
    dev: false

  /loose-envify/1.4.0:
    resolution: {integrity: sha512-LLLL}
    hasBin: true
    dependencies:
      js-tokens: 4.0.0
    dev: true

  /js-tokens/4.0.0:
    resolution: {integrity: sha512-JJJJ}
    dev: true

  /react-dom/17.0.2_react@17.0.2:
    resolution: {integrity: sha512-EEEE}
    peerDependencies:
      react: 17.0.2
    dependencies:
      loose-envify: 1.4.0
      react: 17.0.2
    optionalDependencies:
      fsevents: 2.3.2
    dev: true

  /react/17.0.2:
    resolution: {integrity: sha512-RRRR}
    engines: {node: '>=0.10.0'}
    dependencies:
      loose-envify: 1.4.0
    dev: true

  github.com/user/repo/abcdef0123456789abcdef0123456789abcdef01:
    resolution: {tarball: https://codeload.github.com/user/repo/tar.gz/abcdef0123456789abcdef0123456789abcdef01}
    name: repo
    version: 1.2.0
    requiresBuild: true
    dev: false
`;

const V53_WORKSPACE = `lockfileVersion: 5.3

importers:

  .:
    specifiers:
      typescript: ^4.0.0
    devDependencies:
      typescript: 4.9.5

  packages/a:
    specifiers:
      b: workspace:*
      lodash: ^4.17.0
    dependencies:
      b: link:../b
      lodash: 4.17.21

  packages/b:
    specifiers: {}

packages:

  /lodash/4.17.21:
    resolution: {integrity: sha512-LODASH}
    dev: false

  /typescript/4.9.5:
    resolution: {integrity: sha512-TS}
    engines: {node: '>=4.2.0'}
    hasBin: true
    dev: true
`;

const V6 = `lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      '@vue/shared':
        specifier: ^3.4.0
        version: 3.4.21
      react-dom:
        specifier: ^18.2.0
        version: 18.2.0(react@18.2.0)
      str:
        specifier: npm:string-width@^4.2.0
        version: /string-width@4.2.3
      git-pkg:
        specifier: github:user/git-pkg#1234567
        version: github.com/user/git-pkg/1234567890abcdef1234567890abcdef12345678
      remote:
        specifier: https://example.com/remote-1.0.0.tgz
        version: '@example.com/remote-1.0.0.tgz'
    devDependencies:
      react:
        specifier: ^18.2.0
        version: 18.2.0

  packages/app:
    dependencies:
      root:
        specifier: workspace:*
        version: link:../..
      local-dir:
        specifier: file:../local-dir
        version: file:packages/local-dir

packages:

  /@vue/shared@3.4.21:
    resolution: {integrity: sha512-VUE}
    dev: false

  /react-dom@18.2.0(react@18.2.0):
    resolution: {integrity: sha512-RD}
    peerDependencies:
      react: ^18.2.0
    dependencies:
      loose-envify: 1.4.0
      react: 18.2.0
      scheduler: 0.23.0
    dev: false

  /react@18.2.0:
    resolution: {integrity: sha512-R}
    engines: {node: '>=0.10.0'}
    dependencies:
      loose-envify: 1.4.0

  /loose-envify@1.4.0:
    resolution: {integrity: sha512-LE}
    hasBin: true
    dependencies:
      js-tokens: 4.0.0

  /js-tokens@4.0.0:
    resolution: {integrity: sha512-JT}

  /scheduler@0.23.0:
    resolution: {integrity: sha512-S}
    dependencies:
      loose-envify: 1.4.0
    dev: false

  /string-width@4.2.3:
    resolution: {integrity: sha512-SW}
    engines: {node: '>=8'}
    requiresBuild: true
    dev: false

  '@example.com/remote-1.0.0.tgz':
    resolution: {tarball: https://example.com/remote-1.0.0.tgz}
    name: remote
    version: 1.0.0
    dev: false

  github.com/user/git-pkg/1234567890abcdef1234567890abcdef12345678:
    resolution: {commit: 1234567890abcdef1234567890abcdef12345678, repo: https://github.com/user/git-pkg.git, type: git}
    name: git-pkg
    version: 0.3.0
    dev: false

  file:packages/local-dir:
    resolution: {directory: packages/local-dir, type: directory}
    name: local-dir
    dependencies:
      '@vue/shared': 3.4.21
    dev: false
`;

const V9 = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

overrides:
  debug: npm:obug@^1.0.2

importers:

  .:
    dependencies:
      '@scope/peer-user':
        specifier: ^1.0.0
        version: 1.0.0(react@18.3.1)
      debug:
        specifier: npm:obug@^1.0.2
        version: obug@1.0.2
      lodash:
        specifier: github:lodash/lodash#4.17.21
        version: https://codeload.github.com/lodash/lodash/tar.gz/f299b52f39486275a9e6483b60a410e06520c538
      gitdep:
        specifier: git+https://github.com/user/gitdep.git#abc1234
        version: git+https://github.com/user/gitdep.git#abc1234567890abc1234567890abc1234567890a
    devDependencies:
      react:
        specifier: ^18.3.1
        version: 18.3.1
      tools:
        specifier: workspace:*
        version: link:packages/tools

  packages/tools:
    dependencies:
      react:
        specifier: 18.3.1
        version: 18.3.1
      local:
        specifier: file:../local
        version: file:local

packages:

  '@scope/peer-user@1.0.0':
    resolution: {integrity: sha512-PU}
    peerDependencies:
      react: '>=16'

  gitdep@git+https://github.com/user/gitdep.git#abc1234567890abc1234567890abc1234567890a:
    resolution: {commit: abc1234567890abc1234567890abc1234567890a, repo: https://github.com/user/gitdep.git, type: git}
    version: 2.0.0

  js-tokens@4.0.0:
    resolution: {integrity: sha512-JT}

  local@file:local:
    resolution: {directory: local, type: directory}
    version: 0.0.1

  lodash@https://codeload.github.com/lodash/lodash/tar.gz/f299b52f39486275a9e6483b60a410e06520c538:
    resolution: {tarball: https://codeload.github.com/lodash/lodash/tar.gz/f299b52f39486275a9e6483b60a410e06520c538}
    version: 4.17.21

  loose-envify@1.4.0:
    resolution: {integrity: sha512-LE}
    hasBin: true

  obug@1.0.2:
    resolution: {integrity: sha512-OB, tarball: https://npm.example.com/obug/-/obug-1.0.2.tgz}
    engines: {node: '>=18'}

  react@18.3.1:
    resolution: {integrity: sha512-R}
    engines: {node: '>=0.10.0'}

snapshots:

  '@scope/peer-user@1.0.0(react@18.3.1)':
    dependencies:
      react: 18.3.1
      debug: obug@1.0.2
    transitivePeerDependencies:
      - supports-color

  gitdep@git+https://github.com/user/gitdep.git#abc1234567890abc1234567890abc1234567890a: {}

  js-tokens@4.0.0:
    optional: true

  local@file:local:
    dependencies:
      tools: link:packages/tools

  lodash@https://codeload.github.com/lodash/lodash/tar.gz/f299b52f39486275a9e6483b60a410e06520c538: {}

  loose-envify@1.4.0:
    dependencies:
      js-tokens: 4.0.0

  obug@1.0.2: {}

  react@18.3.1:
    dependencies:
      loose-envify: 1.4.0
    optionalDependencies:
      js-tokens: 4.0.0
`;

describe('pnpm lockfile 5.x', () => {
  test('a single project: importer from top-level specifiers/dependencies, peers, aliases, git', () => {
    const lf = parse(V54);
    assert.deepEqual(lf.parseErrors, []);
    assert.equal(lf.parsed, true);
    assert.equal(lf.lockfileVersion, 5.4);
    assert.equal(lf.packages.length, 10);
    assert.deepEqual(lf.importers.map((i) => i.path), ['']);
    const root = lf.importers[0];
    assert.deepEqual(
      root.dependencies.map((d) => [d.name, d.spec, d.section, d.id]),
      [
        ['@babel/core', '^7.20.0', 'dependencies', '/@babel/core/7.20.0'],
        ['is-positive', '^1.0.0', 'dependencies', '/is-positive/1.0.0'],
        ['local', 'link:../local', 'dependencies', undefined],
        ['my-alias', 'npm:is-negative@^2.0.0', 'dependencies', '/is-negative/2.1.0'],
        ['repo', 'github:user/repo#abcdef0', 'dependencies', 'github.com/user/repo/abcdef0123456789abcdef0123456789abcdef01'],
        ['react-dom', '^17.0.0', 'devDependencies', '/react-dom/17.0.2_react@17.0.2'],
      ],
    );

    const scoped = pkg(lf, '/@babel/core/7.20.0');
    assert.equal(scoped.name, '@babel/core');
    assert.equal(scoped.version, '7.20.0');
    assert.equal(scoped.source, 'registry');
    assert.equal(scoped.resolved, undefined);
    assert.equal(scoped.integrity, 'sha512-AAAA');
    assert.deepEqual(scoped.dependencies, ['/@babel/helper/7.20.0']);
    assert.equal(scoped.dev, undefined);

    const peer = pkg(lf, '/react-dom/17.0.2_react@17.0.2');
    assert.equal(peer.name, 'react-dom');
    assert.equal(peer.version, '17.0.2');
    assert.equal(peer.dev, true);
    assert.deepEqual(peer.dependencies, ['/loose-envify/1.4.0', '/react/17.0.2', '/fsevents/2.3.2']);

    const fsevents = pkg(lf, '/fsevents/2.3.2');
    assert.equal(fsevents.hasInstallScript, true);
    assert.equal(fsevents.optional, true);
    assert.equal(pkg(lf, '/loose-envify/1.4.0').hasBin, true);

    const custom = pkg(lf, '/is-negative/2.1.0');
    assert.equal(custom.source, 'registry');
    assert.equal(custom.resolved, 'https://registry.example.com/is-negative/-/is-negative-2.1.0.tgz');

    const git = pkg(lf, 'github.com/user/repo/abcdef0123456789abcdef0123456789abcdef01');
    assert.equal(git.name, 'repo');
    assert.equal(git.version, '1.2.0');
    assert.equal(git.source, 'git');
    assert.equal(git.resolved, 'https://codeload.github.com/user/repo/tar.gz/abcdef0123456789abcdef0123456789abcdef01');
    assert.equal(git.hasInstallScript, true);
    assert.equal(git.integrity, undefined);
  });

  test('a workspace: importers with specifiers, links, an empty importer', () => {
    const lf = parse(V53_WORKSPACE);
    assert.deepEqual(lf.parseErrors, []);
    assert.deepEqual(lf.importers.map((i) => i.path), ['', 'packages/a', 'packages/b']);
    assert.deepEqual(importerDeps(lf, ''), { typescript: '/typescript/4.9.5' });
    assert.deepEqual(importerDeps(lf, 'packages/a'), { b: undefined, lodash: '/lodash/4.17.21' });
    const a = lf.importers[1].dependencies;
    assert.equal(a[0].spec, 'workspace:*');
    assert.deepEqual(lf.importers[2].dependencies, []);
    assert.equal(pkg(lf, '/typescript/4.9.5').hasBin, true);
  });

  test('spans: the whole block in packages, and the key', () => {
    const lf = parse(V54);
    const p = pkg(lf, '/react-dom/17.0.2_react@17.0.2');
    assert.equal(at(V54, p.keySpan), '/react-dom/17.0.2_react@17.0.2');
    const block = at(V54, p.span);
    assert.ok(block.startsWith('/react-dom/17.0.2_react@17.0.2:\n    resolution:'));
    assert.ok(block.endsWith('      fsevents: 2.3.2\n    dev: true'));
    const quoted = parse(V6);
    const remote = pkg(quoted, '@example.com/remote-1.0.0.tgz');
    assert.equal(at(V6, remote.keySpan), "'@example.com/remote-1.0.0.tgz'");
  });
});

describe('pnpm lockfile 6.0', () => {
  test('importers with {specifier, version}, peers in parentheses, aliases, git, tarball, directory', () => {
    const lf = parse(V6);
    assert.deepEqual(lf.parseErrors, []);
    assert.equal(lf.lockfileVersion, '6.0');
    assert.deepEqual(importerDeps(lf, ''), {
      '@vue/shared': '/@vue/shared@3.4.21',
      'react-dom': '/react-dom@18.2.0(react@18.2.0)',
      str: '/string-width@4.2.3',
      'git-pkg': 'github.com/user/git-pkg/1234567890abcdef1234567890abcdef12345678',
      remote: '@example.com/remote-1.0.0.tgz',
      react: '/react@18.2.0',
    });
    assert.deepEqual(importerDeps(lf, 'packages/app'), { root: undefined, 'local-dir': 'file:packages/local-dir' });
    assert.equal(lf.importers[0].dependencies.find((d) => d.name === 'str')?.spec, 'npm:string-width@^4.2.0');

    const peer = pkg(lf, '/react-dom@18.2.0(react@18.2.0)');
    assert.equal(peer.name, 'react-dom');
    assert.equal(peer.version, '18.2.0');
    assert.deepEqual(peer.dependencies, ['/loose-envify@1.4.0', '/react@18.2.0', '/scheduler@0.23.0']);
    assert.equal(peer.dev, undefined);
    assert.equal(pkg(lf, '/string-width@4.2.3').hasInstallScript, true);
    assert.equal(pkg(lf, '/loose-envify@1.4.0').hasBin, true);

    const remote = pkg(lf, '@example.com/remote-1.0.0.tgz');
    assert.deepEqual([remote.name, remote.version, remote.source, remote.resolved], ['remote', '1.0.0', 'tarball', 'https://example.com/remote-1.0.0.tgz']);
    const git = pkg(lf, 'github.com/user/git-pkg/1234567890abcdef1234567890abcdef12345678');
    assert.deepEqual(
      [git.name, git.version, git.source, git.resolved],
      ['git-pkg', '0.3.0', 'git', 'https://github.com/user/git-pkg.git#1234567890abcdef1234567890abcdef12345678'],
    );
    const dir = pkg(lf, 'file:packages/local-dir');
    assert.deepEqual([dir.name, dir.version, dir.source, dir.resolved], ['local-dir', 'file:packages/local-dir', 'directory', undefined]);
    assert.deepEqual(dir.dependencies, ['/@vue/shared@3.4.21']);
  });

  test('a single project keeps {specifier, version} at the top level', () => {
    const text = `lockfileVersion: '6.0'

dependencies:
  ms:
    specifier: ^2.1.0
    version: 2.1.3

devDependencies:
  '@types/ms':
    specifier: ^0.7.0
    version: 0.7.34

packages:

  /@types/ms@0.7.34:
    resolution: {integrity: sha512-T}
    dev: true

  /ms@2.1.3:
    resolution: {integrity: sha512-M}
    dev: false
`;
    const lf = parse(text);
    assert.deepEqual(lf.parseErrors, []);
    assert.deepEqual(lf.importers, [
      {
        path: '',
        dependencies: [
          { name: 'ms', spec: '^2.1.0', section: 'dependencies', id: '/ms@2.1.3' },
          { name: '@types/ms', spec: '^0.7.0', section: 'devDependencies', id: '/@types/ms@0.7.34' },
        ],
      },
    ]);
    assert.equal(pkg(lf, '/@types/ms@0.7.34').dev, true);
  });
});

describe('pnpm lockfile 9.0', () => {
  test('snapshots are the packages, with metadata and spans from packages', () => {
    const lf = parse(V9);
    assert.deepEqual(lf.parseErrors, []);
    assert.equal(lf.parsed, true);
    assert.equal(lf.lockfileVersion, '9.0');
    assert.deepEqual(
      lf.packages.map((p) => p.id),
      [
        '@scope/peer-user@1.0.0(react@18.3.1)',
        'gitdep@git+https://github.com/user/gitdep.git#abc1234567890abc1234567890abc1234567890a',
        'js-tokens@4.0.0',
        'local@file:local',
        'lodash@https://codeload.github.com/lodash/lodash/tar.gz/f299b52f39486275a9e6483b60a410e06520c538',
        'loose-envify@1.4.0',
        'obug@1.0.2',
        'react@18.3.1',
      ],
    );
    const peer = pkg(lf, '@scope/peer-user@1.0.0(react@18.3.1)');
    assert.deepEqual([peer.name, peer.version, peer.source, peer.integrity], ['@scope/peer-user', '1.0.0', 'registry', 'sha512-PU']);
    assert.deepEqual(peer.dependencies, ['react@18.3.1', 'obug@1.0.2']);
    assert.equal(at(V9, peer.keySpan), "'@scope/peer-user@1.0.0'");
    assert.equal(at(V9, peer.span), "'@scope/peer-user@1.0.0':\n    resolution: {integrity: sha512-PU}\n    peerDependencies:\n      react: '>=16'");

    const obug = pkg(lf, 'obug@1.0.2');
    assert.deepEqual([obug.source, obug.resolved], ['registry', 'https://npm.example.com/obug/-/obug-1.0.2.tgz']);
    const git = pkg(lf, 'gitdep@git+https://github.com/user/gitdep.git#abc1234567890abc1234567890abc1234567890a');
    assert.deepEqual([git.name, git.version, git.source, git.resolved], ['gitdep', '2.0.0', 'git', 'https://github.com/user/gitdep.git#abc1234567890abc1234567890abc1234567890a']);
    const lodash = pkg(lf, 'lodash@https://codeload.github.com/lodash/lodash/tar.gz/f299b52f39486275a9e6483b60a410e06520c538');
    assert.deepEqual([lodash.name, lodash.version, lodash.source], ['lodash', '4.17.21', 'git']);
    const local = pkg(lf, 'local@file:local');
    assert.deepEqual([local.version, local.source, local.dependencies], ['0.0.1', 'directory', []]);
    assert.equal(pkg(lf, 'js-tokens@4.0.0').optional, true);
    assert.equal(pkg(lf, 'loose-envify@1.4.0').hasBin, true);
    assert.deepEqual(pkg(lf, 'react@18.3.1').dependencies, ['loose-envify@1.4.0', 'js-tokens@4.0.0']);
  });

  test('importer versions refer to snapshot keys; aliases, git, tarballs and links', () => {
    const lf = parse(V9);
    assert.deepEqual(importerDeps(lf, ''), {
      '@scope/peer-user': '@scope/peer-user@1.0.0(react@18.3.1)',
      debug: 'obug@1.0.2',
      lodash: 'lodash@https://codeload.github.com/lodash/lodash/tar.gz/f299b52f39486275a9e6483b60a410e06520c538',
      gitdep: 'gitdep@git+https://github.com/user/gitdep.git#abc1234567890abc1234567890abc1234567890a',
      react: 'react@18.3.1',
      tools: undefined,
    });
    assert.deepEqual(importerDeps(lf, 'packages/tools'), { react: 'react@18.3.1', local: 'local@file:local' });
    const debug = lf.importers[0].dependencies.find((d) => d.name === 'debug');
    assert.deepEqual(debug, { name: 'debug', spec: 'npm:obug@^1.0.2', section: 'dependencies', id: 'obug@1.0.2' });
  });

  test('several YAML documents: the environment document comes first, the project is analysed', () => {
    const env = `---
lockfileVersion: '9.0'

importers:

  .:
    configDependencies: {}
    packageManagerDependencies:
      pnpm:
        specifier: 10.15.0
        version: 10.15.0

packages:

  pnpm@10.15.0:
    resolution: {integrity: sha512-PNPM}
    hasBin: true

snapshots:

  pnpm@10.15.0: {}
---
`;
    const text = env + V9;
    const lf = parse(text);
    assert.deepEqual(lf.parseErrors, []);
    assert.equal(lf.packages.length, 8);
    assert.ok(!lf.packages.some((p) => p.name === 'pnpm'));
    const peer = pkg(lf, '@scope/peer-user@1.0.0(react@18.3.1)');
    assert.equal(at(text, peer.keySpan), "'@scope/peer-user@1.0.0'");
    assert.equal(peer.span.start, env.length + V9.indexOf("'@scope/peer-user@1.0.0':"));
  });

  test('peer suffixes are stripped for name and version, kept in the id', () => {
    assert.equal(withoutPeers('a@1.0.0(b@2.0.0)(@c/d@3.0.0(e@1.0.0))', 9), 'a@1.0.0');
    assert.equal(withoutPeers('@s/a@1.0.0(b@2.0.0)', 9), '@s/a@1.0.0');
    assert.equal(withoutPeers('/@s/a@1.0.0(b@2.0.0)', 6), '/@s/a@1.0.0');
    assert.equal(withoutPeers('/@s/a/1.0.0_b@2.0.0+c@1.0.0', 5), '/@s/a/1.0.0');
    assert.equal(withoutPeers('/a/1.0.0', 5), '/a/1.0.0');
  });
});

describe('damaged and unknown pnpm lockfiles', () => {
  test('an unknown or missing lockfileVersion is a parse error with the reason', () => {
    const unknown = parse(V9.replace("lockfileVersion: '9.0'", "lockfileVersion: '10.0'"));
    assert.equal(unknown.parsed, false);
    assert.equal(unknown.lockfileVersion, '10.0');
    assert.match(unknown.parseErrors[0].message, /^line 1: unsupported lockfileVersion '10\.0'/);
    assert.deepEqual(unknown.parseErrors[0].span, { start: 0, end: "lockfileVersion: '10.0'".length });
    assert.deepEqual(unknown.packages, []);

    const missing = parse(V9.replace("lockfileVersion: '9.0'\n", ''));
    assert.equal(missing.parsed, false);
    assert.match(missing.parseErrors[0].message, /no lockfileVersion/);

    for (const text of ['', '   \n', 'just a string\n', '- a\n- b\n']) {
      const lf = parse(text);
      assert.equal(lf.parsed, false, JSON.stringify(text));
      assert.match(lf.parseErrors[0].message, /^line 1: /);
    }
  });

  test('a line outside the grammar: its line number, parsed=false, the rest still read', () => {
    const lines = V9.split('\n');
    const bad = lines.indexOf('  loose-envify@1.4.0:') + 1; // inside packages
    lines.splice(bad, 0, '    this line has no colon');
    const text = lines.join('\n');
    const lf = parse(text);
    assert.equal(lf.parsed, false);
    assert.equal(lf.parseErrors[0].message, `line ${bad + 1}: expected ':' after a key`);
    assert.equal(at(text, lf.parseErrors[0].span), '    this line has no colon');
    // Everything else was read.
    assert.equal(lf.packages.length, 8);
    assert.equal(lf.importers.length, 2);
  });

  test('unresolved references and missing snapshots are errors at the entry', () => {
    const text = V9.replace('      loose-envify: 1.4.0\n    optionalDependencies:', '      loose-envify: 1.4.1\n    optionalDependencies:');
    const lf = parse(text);
    assert.equal(lf.parsed, false);
    assert.equal(lf.parseErrors.length, 1);
    const line = text.slice(0, text.indexOf('  react@18.3.1:\n    dependencies')).split('\n').length;
    assert.equal(lf.parseErrors[0].message, `line ${line}: package 'react@18.3.1' depends on loose-envify 1.4.1, which is not in the lockfile`);

    const noSnapshot = parse(V9.replace('  obug@1.0.2: {}\n', ''));
    assert.equal(noSnapshot.parsed, false);
    assert.match(noSnapshot.parseErrors[0].message, /^line \d+: package 'obug@1\.0\.2' has no entry in snapshots$/);
    assert.ok(noSnapshot.packages.some((p) => p.id === 'obug@1.0.2'));
  });

  test('many problems: the first 20 and a count; after a YAML error only the YAML error', () => {
    const deps = Array.from({ length: 30 }, (_, i) => `      missing-${i}: 1.0.0`).join('\n');
    const text = V9.replace('  obug@1.0.2: {}\n', `  obug@1.0.2:\n    dependencies:\n${deps}\n`);
    const lf = parse(text);
    assert.equal(lf.parseErrors.length, 21);
    assert.match(lf.parseErrors[0].message, /depends on missing-0 1\.0\.0, which is not in the lockfile$/);
    assert.match(lf.parseErrors[20].message, /and 10 more problems/);

    const cut = parse(corpus.v6.slice(0, 250000));
    assert.equal(cut.parsed, false);
    assert.equal(cut.parseErrors.length, 1);
    assert.match(cut.parseErrors[0].message, /^line 7142: unterminated flow collection/);
    assert.ok(cut.packages.length > 600);
  });

  test('YAML outside the subset falls back to the yaml library, with the same result', () => {
    // A block scalar, an anchor and alias, and a multi-line flow map are valid YAML the fast reader does not handle.
    const text = V6.replace("  autoInstallPeers: true\n", '  autoInstallPeers: true\n  note: |\n    hello\n    world\n')
      .replace('    resolution: {integrity: sha512-VUE}', '    resolution: &r {integrity: sha512-VUE}')
      .replace('    resolution: {integrity: sha512-JT}', '    resolution: {\n      integrity: sha512-JT }');
    assert.ok(readYamlSubset(text).errors.length > 0);
    const read = readYaml(text);
    assert.equal(read.reader, 'yaml');
    assert.deepEqual(read.errors, []);
    const lf = parse(text);
    assert.deepEqual(lf.parseErrors, []);
    const plain = parse(V6);
    assert.deepEqual(
      lf.packages.map((p) => [p.id, p.version, p.integrity, p.dependencies]),
      plain.packages.map((p) => [p.id, p.version, p.integrity, p.dependencies]),
    );
    const shift = text.indexOf('/react-dom@18.2.0(') - V6.indexOf('/react-dom@18.2.0(');
    const a = pkg(lf, '/react-dom@18.2.0(react@18.2.0)');
    const b = pkg(plain, '/react-dom@18.2.0(react@18.2.0)');
    assert.deepEqual(a.span, { start: b.span.start + shift, end: b.span.end + shift });
  });

  test('never throws on hostile input', () => {
    const inputs = [
      'a: &a [*a, *a]\nb: *a\n',
      'lockfileVersion: 9.0\npackages: 3\nsnapshots: [1]\nimporters: {x: 1}\n',
      "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a: 1\n",
      "lockfileVersion: '9.0'\n__proto__:\n  polluted: true\npackages:\n  __proto__@1.0.0:\n    resolution: {integrity: x}\nsnapshots:\n  __proto__@1.0.0: {}\n",
      '{'.repeat(5000),
      '[' + '['.repeat(100) + '\n',
      '"\\',
      '\t\t\n',
      "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    resolution: {integrity: x}\n    dependencies: null\n",
    ];
    for (const input of inputs) {
      const lf = parse(input);
      assert.equal(typeof lf.parsed, 'boolean');
      if (!lf.parsed) assert.match(lf.parseErrors[0].message, /^line \d+: /);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const proto = parse(inputs[3]);
    assert.deepEqual(proto.packages.map((p) => p.name), ['__proto__']);
  });
});

describe('the YAML subset reader', () => {
  test('scalars by the core schema, quoting and escapes, flow collections, comments', () => {
    const text = [
      'a: 1',
      'b: 1.5',
      'c: 1.2.3',
      'd: true',
      'e: null',
      'f: ~',
      "g: 'it''s'",
      'h: "tab\\there \\u00e9"',
      'i: [x64, arm64]',
      "j: {node: '>=18', os: [a, b], empty: {}}",
      'k: plain # a comment',
      'l: http://example.com/a#frag',
      'm:',
      'n:',
      '  - one',
      '  - "two"',
      'o:',
      '- same-indent',
      '# trailing comment',
    ].join('\r\n');
    const read = readYamlSubset(text);
    assert.deepEqual(read.errors, []);
    const expected = parseYamlLibrary(text, { mapAsMap: true });
    assert.deepEqual(read.documents[0].value, expected);
    assert.deepEqual(readYamlWithLibrary(text).documents[0].value, expected);
  });
});

// ---------------------------------------------------------------------------------------
// The corpus: real lockfiles of vitejs/vite (SOURCES.md).


/** What the yaml library reads: the reference for keys, versions and links. */
function reference(text: string): Map<string, unknown> {
  return parseYamlLibrary(text, { mapAsMap: true }) as Map<string, unknown>;
}

function keysOf(map: unknown): string[] {
  assert.ok(map instanceof Map);
  return [...map.keys()];
}

describe('pnpm corpus: vite', () => {
  test('v9: counts match SOURCES.md (1405 packages keys, 279 importers, 1406 snapshots, 80 hasBin)', () => {
    const lf = parse(corpus.v9);
    assert.deepEqual(lf.parseErrors, []);
    assert.equal(lf.parsed, true);
    assert.equal(lf.lockfileVersion, '9.0');
    assert.equal(lf.importers.length, 279);
    assert.equal(lf.packages.length, 1406); // one per snapshot
    assert.equal(new Set(lf.packages.map((p) => withoutPeers(p.id, 9))).size, 1405);
    assert.equal(lf.packages.filter((p) => p.hasInstallScript).length, 0);
    // hasBin lives on packages keys: count each key once.
    assert.equal(new Set(lf.packages.filter((p) => p.hasBin).map((p) => withoutPeers(p.id, 9))).size, 80);
  });

  test('v6: counts match SOURCES.md (1243 packages, 214 importers, 125 requiresBuild, 85 hasBin)', () => {
    const lf = parse(corpus.v6);
    assert.deepEqual(lf.parseErrors, []);
    assert.equal(lf.lockfileVersion, '6.0');
    assert.equal(lf.packages.length, 1243);
    assert.equal(lf.importers.length, 214);
    assert.equal(lf.packages.filter((p) => p.hasInstallScript).length, 125);
    assert.equal(lf.packages.filter((p) => p.hasBin).length, 85);
  });

  for (const [name, text] of Object.entries(corpus)) {
    test(`${name}: packages and versions match a parse with the yaml library`, () => {
      const lf = parse(text);
      const ref = reference(text);
      const family = name === 'v9' ? 9 : 6;
      const refKeys = keysOf(ref.get(family === 9 ? 'snapshots' : 'packages'));
      assert.deepEqual(lf.packages.map((p) => p.id), refKeys);
      const meta = ref.get('packages') as Map<string, Map<string, unknown>>;
      for (const p of lf.packages) {
        const base = withoutPeers(p.id, family);
        const entry = meta.get(family === 9 ? base : p.id)!;
        // Registry keys spell name@version; others (file:) say it in fields.
        const fromKey = base.replace(/^\//, '');
        const expected = entry.has('name') ? `${entry.get('name')}` : fromKey.slice(0, fromKey.indexOf('@', 1));
        assert.equal(p.name, expected, p.id);
        if (!entry.has('name') && !fromKey.includes('@file:')) assert.equal(`${p.name}@${p.version}`, fromKey, p.id);
        const resolution = entry.get('resolution') as Map<string, string>;
        assert.equal(p.integrity, resolution.get('integrity'), p.id);
        assert.equal(p.source, resolution.has('directory') ? 'directory' : 'registry', p.id);
      }
    });

    test(`${name}: every importer dependency and edge resolves; the exceptions are links`, () => {
      const lf = parse(text);
      const ids = byId(lf);
      const ref = reference(text);
      const importers = ref.get('importers') as Map<string, Map<string, Map<string, Map<string, string>>>>;
      let links = 0;
      for (const importer of lf.importers) {
        const raw = importers.get(importer.path === '' ? '.' : importer.path)!;
        for (const dep of importer.dependencies) {
          const version = raw.get(dep.section!)!.get(dep.name)!.get('version')!;
          if (dep.id === undefined) {
            // A workspace link (link:../x) is a folder, not an installed package.
            assert.match(version, /^link:/, `${importer.path} ${dep.name}`);
            links++;
          } else {
            assert.ok(ids.has(dep.id), dep.id);
          }
        }
      }
      assert.equal(links, 54);
      let edges = 0;
      let linkEdges = 0;
      const entries = ref.get(name === 'v9' ? 'snapshots' : 'packages') as Map<string, Map<string, Map<string, string>>>;
      for (const p of lf.packages) {
        const entry = entries.get(p.id)!;
        const specs = [...(entry.get('dependencies') ?? []), ...(entry.get('optionalDependencies') ?? [])];
        const linked = specs.filter(([, v]) => v.startsWith('link:')).length;
        linkEdges += linked;
        assert.equal(p.dependencies.length, specs.length - linked, p.id);
        for (const id of p.dependencies) assert.ok(ids.has(id), `${p.id} -> ${id}`);
        edges += p.dependencies.length;
      }
      assert.ok(edges > 2000, `${edges} edges`);
      // Some packages link back to a workspace folder (vite v9: `vite: link:packages/vite` as an optional peer).
      assert.equal(linkEdges, name === 'v9' ? 11 : 4);
    });

    test(`${name}: spans are exact`, () => {
      const lf = parse(text);
      const family = name === 'v9' ? 9 : 6;
      for (const p of lf.packages) {
        const key = family === 9 ? withoutPeers(p.id, family) : p.id;
        const keyText = at(text, p.keySpan);
        assert.ok(keyText === key || keyText === `'${key}'`, `${p.id}: ${keyText}`);
        const block = at(text, p.span);
        assert.ok(block.startsWith(`${keyText}:`), p.id);
        // The block ends at the end of its last line: a blank line or the next entry follows.
        assert.equal(block.trimEnd(), block);
        const next = text.slice(p.span.end, p.span.end + 4);
        assert.ok(next === '\n' || next.startsWith('\n\n') || next === '', `${p.id}: ${JSON.stringify(next)}`);
      }
    });

    test(`${name}: the yaml library fall-back gives the same values and spans`, () => {
      const fast = readYamlSubset(text);
      const full = readYamlWithLibrary(text);
      assert.deepEqual(fast.errors, []);
      assert.deepEqual(full.errors, []);
      assert.deepEqual(fast.documents[0].value, full.documents[0].value);
      assert.deepEqual(fast.documents[0].childSpans, full.documents[0].childSpans);
      assert.deepEqual(fast.documents[0].rootSpans, full.documents[0].rootSpans);
    });

    test(`${name}: random truncations are parse errors with a position, never exceptions`, () => {
      // A cut inside the last line can leave a complete lockfile (v6 ends with `dev: false`,
      // which may be dropped whole): cut before the last line.
      const lastLine = text.lastIndexOf('\n', text.length - 2);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: lastLine - 1 }), (cut) => {
          const lf = parse(text.slice(0, cut));
          assert.equal(lf.parsed, false, `cut at ${cut}`);
          assert.match(lf.parseErrors[0].message, /^line \d+: /);
          const span = lf.parseErrors[0].span;
          assert.ok(span.start >= 0 && span.end <= cut && span.start <= span.end, `cut at ${cut}: ${JSON.stringify(span)}`);
        }),
        { numRuns: 12, seed: 3 },
      );
    });
  }

  test('random mutations: no exception; a line outside the grammar is reported at its line', () => {
    const text = corpus.v6;
    const lines = text.split('\n');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: lines.length - 2 }),
        fc.constantFrom('}} not yaml', '  - [unclosed', "    key: 'unterminated", '\tkey: tab', '    @at: x', '      a: b: c'),
        (line, junk) => {
          const mutated = [...lines.slice(0, line), junk, ...lines.slice(line)].join('\n');
          const lf = parse(mutated);
          assert.equal(lf.parsed, false);
          assert.match(lf.parseErrors[0].message, new RegExp(`^line ${line + 1}: `));
        },
      ),
      { numRuns: 8, seed: 7 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), fc.integer({ min: 0, max: 40 }), fc.string({ maxLength: 3 }), (pos, remove, insert) => {
        const mutated = text.slice(0, pos) + insert + text.slice(pos + remove);
        const lf = parse(mutated);
        assert.equal(typeof lf.parsed, 'boolean');
        for (const e of lf.parseErrors) {
          assert.match(e.message, /^line \d+: /);
          assert.ok(e.span.start >= 0 && e.span.end <= mutated.length);
        }
      }),
      { numRuns: 8, seed: 11 },
    );
  });
});

describe('inline truncations and junk', () => {
  test('every cut of an inline 9.0 lockfile is an error, except cuts between lines of its last entry', () => {
    // Cutting the last entry (react's snapshot) after a complete line leaves a valid
    // lockfile that is only missing data nothing refers to: no reader can tell.
    const lastEntry = V9.lastIndexOf('\n  react@18.3.1:') + 1;
    const undetected: number[] = [];
    for (let cut = 0; cut < V9.length - 1; cut++) {
      const lf = parse(V9.slice(0, cut));
      if (lf.parsed) undetected.push(cut);
      else assert.match(lf.parseErrors[0].message, /^line \d+: /);
    }
    for (const cut of undetected) {
      assert.ok(cut > lastEntry, `cut at ${cut} went unnoticed: ${JSON.stringify(V9.slice(cut - 30, cut))}`);
      assert.ok(V9[cut - 1] === '\n' || /\n *$/.test(V9.slice(0, cut)) || /: [\w.]+$/.test(V9.slice(0, cut)), `cut at ${cut}`);
    }
    assert.ok(undetected.length < 20, `${undetected.length} cuts went unnoticed`);
  });

  test('arbitrary strings never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (junk) => {
        const lf = parse(junk);
        assert.equal(typeof lf.parsed, 'boolean');
        for (const e of lf.parseErrors) assert.match(e.message, /^line \d+: /);
      }),
      { numRuns: 200, seed: 2 },
    );
  });
});
