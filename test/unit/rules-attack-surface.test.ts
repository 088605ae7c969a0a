import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFiles } from '../../server/src/engine/scan';

const manifest = (deps: Record<string, string>) => JSON.stringify({ name: 'x', dependencies: deps }, null, 2);

test('missing-lockfile: a project with dependencies and no lockfile above it', () => {
  const files = [
    { path: 'package.json', text: manifest({ a: '^1.0.0' }) },
    { path: 'tools/package.json', text: manifest({ b: '^1.0.0' }) },
    { path: 'empty/package.json', text: JSON.stringify({ name: 'e' }) },
  ];
  const f = scanFiles(files).findings.filter((x) => x.rule === 'missing-lockfile');
  assert.deepEqual(f.map((x) => x.file).sort(), ['package.json', 'tools/package.json']);
  const text = files[0].text;
  assert.equal(text.slice(f.find((x) => x.file === 'package.json')!.span.start, f[0].span.end), '"a"');

  const withLock = [...files, { path: 'package-lock.json', text: JSON.stringify({ lockfileVersion: 3, packages: { '': {} } }) }];
  assert.equal(scanFiles(withLock).findings.filter((x) => x.rule === 'missing-lockfile').length, 0, 'the root lockfile covers nested projects');
});

test('duplicate-versions: four or more versions of one package in a lockfile', () => {
  const packages: Record<string, unknown> = { '': { dependencies: { a: '1' } } };
  const versions = ['1.0.0', '2.0.0', '3.0.0', '4.0.0'];
  versions.forEach((v, i) => {
    packages[i === 0 ? 'node_modules/dup' : `node_modules/p${i}/node_modules/dup`] = { version: v, resolved: `https://registry.npmjs.org/dup/-/dup-${v}.tgz`, integrity: 'sha512-x' };
    if (i > 0) packages[`node_modules/p${i}`] = { version: '1.0.0', resolved: `https://registry.npmjs.org/p${i}/-/p${i}-1.0.0.tgz`, integrity: 'sha512-x' };
  });
  packages['node_modules/three'] = { version: '1.0.0', resolved: 'https://registry.npmjs.org/three/-/three-1.0.0.tgz', integrity: 'sha512-x' };
  const lock = JSON.stringify({ lockfileVersion: 3, packages }, null, 2);
  const f = scanFiles([{ path: 'package-lock.json', text: lock }]).findings.filter((x) => x.rule === 'duplicate-versions');
  assert.equal(f.length, 1);
  assert.equal(f[0].package, 'dup');
  assert.equal(f[0].severity, 'hint');
  assert.match(f[0].message, /4 versions of dup \(1\.0\.0, 2\.0\.0, 3\.0\.0, 4\.0\.0\)/);
  assert.equal(lock.slice(f[0].span.start, f[0].span.end), '"node_modules/dup"');
});
