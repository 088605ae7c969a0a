import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFiles } from '../../server/src/engine/scan';
import { unboundedReason } from '../../server/src/engine/rules/unpinned-range';

function findings(deps: Record<string, string>, rule: string) {
  const text = JSON.stringify({ dependencies: deps }, null, 2);
  return scanFiles([{ path: 'package.json', text }], { settings: undefined }).findings.filter((f) => f.rule === rule);
}

test('unpinned-range flags specs without an upper bound only', () => {
  const unbounded = ['*', 'x', '', 'latest', 'next', '>=1.0.0', '>1', '1.x || >=3', '>=1 <2 || >4'];
  const bounded = ['^1.0.0', '~1.2.3', '1.2.3', '>=1 <2', '1.x', '<3', '1 - 2'];
  for (const spec of unbounded) assert.ok(unboundedReason(spec, spec === 'latest' || spec === 'next'), `${spec} is unbounded`);
  for (const spec of bounded) assert.equal(unboundedReason(spec, false), undefined, `${spec} is bounded`);
  const f = findings({ a: '*', b: '^1.0.0', c: 'npm:real@latest', d: 'npm:real@^1' }, 'unpinned-range');
  assert.deepEqual(f.map((x) => x.package), ['a', 'c']);
});

test('non-registry-source and insecure-url on manifests', () => {
  const deps = {
    git: 'github:u/r',
    tar: 'https://example.com/x.tgz',
    inside: 'file:./vendor/x',
    outside: 'file:../../x',
    plain: 'git://github.com/u/r.git',
    http: 'http://example.com/x.tgz',
    local: 'http://localhost:4873/x.tgz',
    ws: 'workspace:*',
  };
  assert.deepEqual(findings(deps, 'non-registry-source').map((f) => f.package).sort(), ['git', 'http', 'local', 'outside', 'plain', 'tar']);
  assert.deepEqual(findings(deps, 'insecure-url').map((f) => f.package).sort(), ['http', 'plain']);
});

test("non-registry-source: a tarball URL of the package's own release on its registry is a registry package", () => {
  const deps = {
    'left-pad': 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz',
    '@scope/pkg': 'https://registry.npmjs.org/@scope/pkg/-/pkg-2.0.0.tgz',
    yarnhost: 'https://registry.yarnpkg.com/yarnhost/-/yarnhost-1.0.0.tgz',
    // Another package's tarball, another host, or no registry layout: still reported.
    lodash: 'https://registry.npmjs.org/lodash-evil/-/lodash-evil-4.17.21.tgz',
    mirror: 'https://cdn.example.com/mirror/-/mirror-1.0.0.tgz',
    flat: 'https://registry.npmjs.org/flat-1.0.0.tgz',
  };
  assert.deepEqual(findings(deps, 'non-registry-source').map((f) => f.package).sort(), ['flat', 'lodash', 'mirror']);
});

test('rule severity settings override and turn rules off', () => {
  const text = JSON.stringify({ dependencies: { a: '*' } });
  const base = { rules: {}, offline: true, advisories: null, cooldownDays: 3, newPackageDays: 30, allowedHosts: [], typosquatAllow: [] };
  const off = scanFiles([{ path: 'package.json', text }], { settings: { ...base, rules: { 'unpinned-range': 'off' } } });
  assert.equal(off.findings.filter((f) => f.rule === 'unpinned-range').length, 0);
  const err = scanFiles([{ path: 'package.json', text }], { settings: { ...base, rules: { 'unpinned-range': 'error' } } });
  assert.equal(err.findings.find((f) => f.rule === 'unpinned-range')?.severity, 'error');
});

test('an unreadable file is reported, never silently skipped', () => {
  const r = scanFiles([{ path: 'package-lock.json', text: '', readError: 'the file is 99 bytes, over the limit' }]);
  assert.equal(r.files[0].parsed, false);
  assert.ok(r.findings.some((f) => f.rule === 'unparsed-file' && f.message.includes('over the limit')));
});
