/**
 * Workspace-aware hygiene (#12 item 4): a spec that resolves to a sibling workspace is not
 * an unpinned range; bun.lock's URL-tarball entries are tarballs, not name mismatches.
 * Through scanFiles, as the CLI and the language server reach the rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFiles } from '../../server/src/engine/scan';
import type { SourceFile } from '../../server/src/engine/model';

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

function ruleFindings(files: Record<string, string>, rule: string) {
  const sources: SourceFile[] = Object.entries(files).map(([path, text]) => ({ path, text }));
  return scanFiles(sources).findings.filter((f) => f.rule === rule);
}

const ROOT = json({ name: 'mono', private: true, workspaces: ['packages/*'] });
const CORE = json({ name: '@mono/core', version: '1.2.0' });

test('unpinned-range: "*" on a sibling workspace found by the workspace globs (yarn classic records no workspaces)', () => {
  const web = json({ name: '@mono/web', version: '1.0.0', dependencies: { '@mono/core': '*', '@mono/util': '>=1.0.0', chalk: '*' } });
  const got = ruleFindings({ 'package.json': ROOT, 'packages/core/package.json': CORE, 'packages/web/package.json': web }, 'unpinned-range');
  // @mono/util is no workspace of this project: the registry's package would be installed.
  assert.deepEqual(got.map((f) => f.package).sort(), ['@mono/util', 'chalk']);
});

test('unpinned-range: a workspace the range rejects, or one outside the globs, is not linked', () => {
  const web = json({ name: '@mono/web', dependencies: { '@mono/core': '>=2.0.0', '@mono/tool': '*' } });
  const tool = json({ name: '@mono/tool', version: '1.0.0' });
  const got = ruleFindings(
    { 'package.json': ROOT, 'packages/core/package.json': CORE, 'packages/web/package.json': web, 'tools/tool/package.json': tool },
    'unpinned-range',
  );
  assert.deepEqual(got.map((f) => f.package).sort(), ['@mono/core', '@mono/tool']);
});

test('unpinned-range: pnpm-workspace.yaml globs count as workspaces', () => {
  const root = json({ name: 'mono', private: true, dependencies: { '@mono/core': '*' } });
  const got = ruleFindings({ 'package.json': root, 'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n', 'packages/core/package.json': CORE }, 'unpinned-range');
  assert.deepEqual(got, []);
});

test('unpinned-range: the lockfile decides when it records the dependency (npm link vs registry download)', () => {
  const web = json({ name: '@mono/web', version: '1.0.0', dependencies: { '@mono/core': '*' } });
  const lock = (core: Record<string, unknown>) =>
    json({
      name: 'mono',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'mono', workspaces: ['packages/*'] },
        'node_modules/@mono/core': core,
        'node_modules/@mono/web': { resolved: 'packages/web', link: true },
        'packages/core': { name: '@mono/core', version: '1.2.0' },
        'packages/web': { name: '@mono/web', version: '1.0.0', dependencies: { '@mono/core': '*' } },
      },
    });
  const files = { 'package.json': ROOT, 'packages/core/package.json': CORE, 'packages/web/package.json': web };
  assert.deepEqual(ruleFindings({ ...files, 'package-lock.json': lock({ resolved: 'packages/core', link: true }) }, 'unpinned-range'), []);
  // The lockfile says npm downloaded a registry package of that name: the range is what let it in.
  const fromRegistry = lock({ version: '9.9.9', resolved: 'https://registry.npmjs.org/@mono/core/-/core-9.9.9.tgz', integrity: 'sha512-AAAA' });
  assert.deepEqual(ruleFindings({ ...files, 'package-lock.json': fromRegistry }, 'unpinned-range').map((f) => f.package), ['@mono/core']);
});

const BUN_MANIFEST = json({ name: 'app', dependencies: { 'left-pad': 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz', lodash: '^4.17.21' } });
const bunLock = (leftPad: string, lodash: string) =>
  [
    '{',
    '  "lockfileVersion": 1,',
    '  "workspaces": {',
    '    "": {',
    '      "name": "app",',
    '      "dependencies": {',
    '        "left-pad": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",',
    '        "lodash": "^4.17.21",',
    '      },',
    '    },',
    '  },',
    '  "packages": {',
    `    "left-pad": ${leftPad},`,
    `    "lodash": ${lodash},`,
    '  }',
    '}',
    '',
  ].join('\n');

test('lockfile-name-mismatch: bun.lock URL-tarball entries are read as tarballs; a swapped tarball is still an error', () => {
  // As bun 1.4 writes a URL dependency (test/fixtures/fresh-lockfiles/bun/app/bun.lock).
  const honest = bunLock(
    '["left-pad@https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", {}, "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQGinBN9yTQT3bFlCBy/aVx2HrNcqQGsdot8ghrjyrvMCoEA=="]',
    '["lodash@4.17.21", "", {}, "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg=="]',
  );
  const result = scanFiles([
    { path: 'package.json', text: BUN_MANIFEST },
    { path: 'bun.lock', text: honest },
  ]);
  assert.deepEqual(result.findings.filter((f) => f.severity === 'error'), []);
  const leftPad = result.project.lockfiles[0].packages.find((p) => p.name === 'left-pad')!;
  assert.deepEqual([leftPad.source, leftPad.version, leftPad.resolved], ['tarball', '1.3.0', 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz']);

  const swappedName = bunLock(
    '["left-pad@https://registry.npmjs.org/evil-pad/-/evil-pad-1.3.0.tgz", {}, "sha512-AAAA"]',
    '["lodash@4.17.21", "https://registry.npmjs.org/lodash-evil/-/lodash-evil-4.17.21.tgz", {}, "sha512-BBBB"]',
  );
  const got = ruleFindings({ 'package.json': BUN_MANIFEST, 'bun.lock': swappedName }, 'lockfile-name-mismatch');
  assert.deepEqual(got.map((f) => `${f.severity} ${f.package}`).sort(), ['error left-pad', 'error lodash']);
  assert.match(got.find((f) => f.package === 'left-pad')!.message, /a tarball of "evil-pad"/);

  // The right package, another version's tarball, for a registry entry: still a version mismatch.
  const swappedVersion = bunLock(
    '["left-pad@https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", {}, "sha512-AAAA"]',
    '["lodash@4.17.21", "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz", {}, "sha512-BBBB"]',
  );
  const v = ruleFindings({ 'package.json': BUN_MANIFEST, 'bun.lock': swappedVersion }, 'lockfile-name-mismatch');
  assert.deepEqual(v.map((f) => f.package), ['lodash']);
  assert.match(v[0].message, /version 4\.17\.20/);
});
