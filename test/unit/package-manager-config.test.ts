// Package-manager config files are parsed once per scan into the project, and a broken one
// is an unparsed-file finding, never a silent fallback to defaults (issue #11 item 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProject } from '../../server/src/engine/project';
import { scanFiles } from '../../server/src/engine/scan';
import { parsePackageManagerConfig } from '../../server/src/engine/policy/package-manager-config';
import { readToml } from '../../server/src/engine/policy/toml';
import { npmLockText } from '../support/fixtures';

const MANIFEST = { path: 'package.json', text: JSON.stringify({ name: 'app', dependencies: {} }) };

/** One broken file of each kind, and what its finding must say. */
const BROKEN: { path: string; text: string; says: RegExp }[] = [
  { path: '.yarnrc.yml', text: 'npmScopes:\n  acme:\n    npmRegistryServer: "https://npm.acme.example\n', says: /^\.yarnrc\.yml could not be read \(.*line 4.*\); none of the settings in it were applied\.$/ },
  { path: 'pnpm-workspace.yaml', text: 'packages: [a\nminimumReleaseAge: 1440\n', says: /^pnpm-workspace\.yaml could not be read \(.*line 2.*\); none of the settings/ },
  { path: 'bunfig.toml', text: '[install]\nminimumReleaseAge = 3 days\n', says: /^bunfig\.toml could not be read \(line 2: .*\); none of the settings/ },
  { path: '.npmrc', text: 'registry=https://registry.npmjs.org/\nmin-release-age=three\n', says: /^\.npmrc could not be read \(min-release-age=three is not a number of days\); npm ignores that value/ },
];

for (const b of BROKEN) {
  test(`a broken ${b.path} is an unparsed-file finding naming the file and the error`, () => {
    const result = scanFiles([MANIFEST, { path: b.path, text: b.text }]);
    const unparsed = result.findings.filter((f) => f.rule === 'unparsed-file');
    assert.equal(unparsed.length, 1, JSON.stringify(result.findings));
    assert.equal(unparsed[0].file, b.path);
    assert.equal(unparsed[0].severity, 'error');
    assert.match(unparsed[0].message, b.says);
  });
}

test('config files are parsed once into the project; a well-formed one is no finding', () => {
  const project = buildProject([
    MANIFEST,
    { path: 'pnpm-workspace.yaml', text: 'packages: ["a"]\nminimumReleaseAge: 1440\n' },
    { path: '.yarnrc.yml', text: 'npmScopes:\n  acme:\n    npmRegistryServer: https://npm.acme.example\n' },
    { path: 'bunfig.toml', text: '[install]\nminimumReleaseAge = 259200 # 3 days\nminimumReleaseAgeExcludes = [\n  "@types/node", # comment\n  \'typescript\',\n]\n' },
    { path: 'sub/.npmrc', text: 'ignore-scripts=true\n' },
  ]);
  const config = project.packageManagerConfig!;
  assert.deepEqual([...config.keys()].sort(), ['.yarnrc.yml', 'bunfig.toml', 'pnpm-workspace.yaml', 'sub/.npmrc']);
  assert.equal(config.get('pnpm-workspace.yaml')!.settings.minimumReleaseAge, 1440);
  assert.deepEqual(JSON.parse(JSON.stringify(config.get('bunfig.toml')!.settings)), { install: { minimumReleaseAge: 259200, minimumReleaseAgeExcludes: ['@types/node', 'typescript'] } });
  assert.equal(config.get('sub/.npmrc')!.settings['ignore-scripts'], 'true');
  assert.equal(project.unreadableConfigs, undefined);
});

test('.npmrc: only the values npm would not take are dropped, the rest still applies', () => {
  const parsed = parsePackageManagerConfig('.npmrc', 'ignore-scripts=yes\nmin-release-age=7\nbefore=not a date\n')!;
  assert.deepEqual(parsed.settings, { 'min-release-age': '7' });
  assert.deepEqual(parsed.parseErrors.map((e) => e.message), ['ignore-scripts=yes is not true or false', 'before=not a date is not a date']);
  assert.deepEqual(parsed.parseErrors[0].span, { start: 0, end: 'ignore-scripts=yes'.length });
});

test('TOML: the forms bunfig.toml uses, and the errors bun would refuse', () => {
  const ok = readToml('a = "x\\ty" # c\n"b.c" = \'lit\'\nd.e = 1_000\n[t]\nf = { g = true, h = [1, 2.5] }\n[[arr]]\ni = 0x10\n[[arr]]\ni = -3\n');
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(JSON.parse(JSON.stringify(ok.settings)), { a: 'x\ty', 'b.c': 'lit', d: { e: 1000 }, t: { f: { g: true, h: [1, 2.5] } }, arr: [{ i: 16 }, { i: -3 }] });
  for (const bad of ['a = ', 'a = "open', 'a = [1, 2', 'a = 1\na = 2', '[t\n', 'just words', 'a = 1 b']) {
    assert.equal(readToml(bad).errors.length, 1, bad);
  }
});

test('dependency-confusion with a broken .yarnrc.yml: the scope finding says the file could not be read', () => {
  const lock = npmLockText({ '@acme/tool': { version: '1.0.0', resolved: 'https://npm.acme.example/@acme/tool/-/tool-1.0.0.tgz' } });
  const files = (yarnrc: string) => [
    { path: 'package.json', text: JSON.stringify({ name: 'app', dependencies: { '@acme/tool': '1.0.0' } }) },
    { path: 'package-lock.json', text: lock },
    { path: '.yarnrc.yml', text: yarnrc },
  ];
  const confusion = (yarnrc: string) => scanFiles(files(yarnrc)).findings.filter((f) => f.rule === 'dependency-confusion' && f.package === '@acme/tool');
  // Mapped by a readable .yarnrc.yml: nothing to say.
  assert.deepEqual(confusion('npmScopes:\n  acme:\n    npmRegistryServer: "https://npm.acme.example"\n'), []);
  // The same mapping, broken: not silence, and not a plain "nothing maps" either.
  const broken = confusion('npmScopes:\n  acme:\n    npmRegistryServer: "https://npm.acme.example\n');
  assert.equal(broken.length, 1);
  assert.match(broken[0].message, /nothing maps @acme .* \.yarnrc\.yml could not be read, so the scopes it maps \(npmScopes\) were not applied\.$/);
});

test('a config YAML nested past MAX_YAML_DEPTH is refused before the yaml library reads it, and reported', () => {
  // 5,000 flow levels: the yaml library recurses once per level; the lexer-based guard stops at 256.
  const deep = `npmScopes: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
  const parsed = parsePackageManagerConfig('.yarnrc.yml', deep)!;
  assert.deepEqual(parsed.settings, {});
  assert.equal(parsed.parseErrors.length, 1);
  assert.match(parsed.parseErrors[0].message, /nested more than 256 levels deep/);
  assert.ok(parsed.parseErrors[0].span.start > 0 && parsed.parseErrors[0].span.start < deep.length);
});
