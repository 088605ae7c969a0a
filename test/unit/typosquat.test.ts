import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { popularNameDetector, loadPopularPackages, TyposquatDetector } from '../../server/src/engine/typosquat';
import { NameIndex } from '../../server/src/engine/typosquat/name-index';
import { boundedDistance } from '../../server/src/engine/typosquat/candidates';
import { parseManifest } from '../../server/src/engine/manifest/parse-manifest';
import { parseNpmrc } from '../../server/src/engine/policy/npmrc';
import { buildGraph } from '../../server/src/engine/graph';
import { defaultSettings, type LockedPackage, type Lockfile, type Settings } from '../../server/src/engine/model';
import type { Project } from '../../server/src/engine/project';
import { typosquat } from '../../server/src/engine/rules/typosquat';
import { RULES } from '../../server/src/engine/rules';
import { scanFiles } from '../../server/src/engine/scan';
import { emptyRemoteData, type PackumentLookup, type VersionInfo } from '../../server/src/engine/data/remote-data';
import { CORPUS_DIR, corpusFindings } from '../../bench/typosquat';
import { packumentFromRecords } from '../../server/src/engine/data/packument';

const detector = popularNameDetector();

// ------------------------------------------------------------ detector

// Real typosquats from public reports (npm's 2017 "hacktask" takedown, later Snyk,
// Phylum, Socket and JFrog write-ups), with the package each imitated.
const KNOWN_SQUATS: [name: string, target: string, reason: RegExp][] = [
  ['crossenv', 'cross-env', /separators removed/],
  ['cross-env.js', 'cross-env', /suffix "\.js"/],
  ['mongose', 'mongoose', /dropped repeated letter/],
  ['babelcli', 'babel-cli', /separators removed/],
  ['nodesass', 'node-sass', /separators removed/],
  ['gruntcli', 'grunt-cli', /separators removed/],
  ['jquerry', 'jquery', /repeated letter/],
  ['jquery.js', 'jquery', /suffix "\.js"/],
  ['discord.jss', 'discord.js', /repeated letter/],
  ['electorn', 'electron', /swapped letters/],
  ['loadyaml', 'load-yaml-file', /separators removed and "-file" dropped/],
  ['@typescript_eslinter/eslint', '@typescript-eslint/eslint-plugin', /scope "@typescript_eslinter" imitates "@typescript-eslint"/],
  ['types-node', '@types/node', /without its scope/],
  ['@types-node', '@types/node', /without its scope/],
  ['@typess/node', '@types/node', /scope "@typess" imitates "@types": repeated letter/],
  ['mysqljs', 'mysql', /suffix "js"/],
  ['mssql.js', 'mssql', /suffix "\.js"/],
  ['nodemailer-js', 'nodemailer', /suffix "-js"/],
  ['nodemailer.js', 'nodemailer', /suffix "\.js"/],
  ['http-proxy.js', 'http-proxy', /suffix "\.js"/],
  ['d3.js', 'd3', /suffix "\.js"/],
  ['fabric-js', 'fabric', /suffix "-js"/],
  ['nodefabric', 'fabric', /prefix "node"/],
  ['node-fabric', 'fabric', /prefix "node-"/],
  ['noderequest', 'request', /prefix "node"/],
  ['node-sqlite', 'sqlite', /prefix "node-"/],
  ['sqlite.js', 'sqlite', /suffix "\.js"/],
  ['twilio-npm', 'twilio', /suffix "-npm"/],
  ['loadsh', 'lodash', /swapped letters/],
  ['lodahs', 'lodash', /swapped letters/],
  ['axioss', 'axios', /repeated letter/],
  ['ethres', 'ethers', /swapped letters/],
  ['pupeteer', 'puppeteer', /dropped repeated letter/],
  ['expresss', 'express', /repeated letter/],
  ['1odash', 'lodash', /look-alike characters \("1" for "l"\)/],
  ['rnongoose', 'mongoose', /look-alike characters \("rn" for "m"\)/],
  ['c0mmander', 'commander', /look-alike characters \("0" for "o"\)/],
  ['Express', 'express', /letter case/],
  ['webpak-dev-serverr', 'webpack-dev-server', /two typos/],
  ['reacct-dom', 'react-dom', /repeated letter/],
  ['cross_env', 'cross-env', /changed separators/],
];

test('well-known typosquats are flagged with the package they imitate and the reason', () => {
  for (const [name, target, reason] of KNOWN_SQUATS) {
    const match = detector.check(name);
    assert.ok(match, `${name} should be flagged`);
    assert.equal(match.target, target, `${name}: target`);
    assert.match(match.reason.text, reason, `${name}: reason`);
  }
});

test('unscoped copies of scoped names are only reported when asked (registry data says the copy is new)', () => {
  assert.equal(detector.check('core-http'), undefined);
  assert.equal(detector.check('core-http', { unscopedCopies: true })?.target, '@azure/core-http');
  assert.match(detector.check('core-tracing', { unscopedCopies: true })!.reason.text, /published without its scope/);
  // Typings are not what a copy of the library imitates.
  assert.equal(detector.check('json-patch', { unscopedCopies: true }), undefined);
});

test('every name on the popular list is left alone', () => {
  const popular = loadPopularPackages();
  assert.ok(popular.length > 10000, 'the bundled list is loaded');
  const flagged = popular.filter((p) => detector.check(p.name) !== undefined).map((p) => p.name);
  assert.deepEqual(flagged, []);
});

test('close but legitimate names are left alone', () => {
  // Popular pairs, and real packages (several seen in big projects' lockfiles) that sit
  // one or two edits from a popular name without imitating it.
  const legit = [
    'preact', 'react', 'ws', 'qs', 'inherits', 'inherit', 'chalk', 'chai', 'debug', 'debuglog',
    'nano', 'hock', 'errs', 'nuxi', 'yam', 'types', 'findit', 'ocache', 'eslint-plugin-i',
    'http-proxy-3', 'markdown-title', 'sorted-object', 'remark-man', 'wast-loader', 'zod-package-json',
    'uuid-v4', 'xterm-addon-webgl', 'eslint-config-helpers', 'babel-core', 'vue-template-compiler',
  ];
  for (const name of legit) assert.equal(detector.check(name), undefined, `${name} should not be flagged`);
});

test('a name in the same scope as the popular package is never a squat', () => {
  assert.equal(detector.check('@types/nodee'), undefined);
  assert.equal(detector.check('@babel/cor'), undefined);
  assert.equal(detector.check('@babell/core')?.target, '@babel/core');
});

test('the allow list (settings and wildcard scopes) silences a match', () => {
  assert.equal(detector.check('expresss', { allow: new Set(['expresss']) }), undefined);
  assert.equal(detector.check('@typess/node', { allow: new Set(['@typess/*']) }), undefined);
  assert.equal(detector.check('expresss', { allow: new Set(['other']) })?.target, 'express');
});

test('the judge hook can drop a match (for registry data later)', () => {
  const seen: string[] = [];
  const match = detector.check('expresss', {
    judge: (m) => {
      seen.push(m.target);
      return false;
    },
  });
  assert.equal(match, undefined);
  assert.ok(seen.includes('express'), seen.join());
});

test('a detector over a custom list uses only that list', () => {
  const small = new TyposquatDetector([{ name: 'left-pad', rank: 1, downloadsRank: 1, dependentsRank: 0 }]);
  assert.equal(small.check('leftpad')?.target, 'left-pad');
  assert.equal(small.check('expresss'), undefined);
});

test('the trigram index finds exactly what a full scan finds', () => {
  const names = loadPopularPackages()
    .filter((p) => !p.name.startsWith('@'))
    .slice(0, 3000)
    .map((p) => p.name);
  const index = new NameIndex(names);
  const mutate = fc
    .tuple(fc.constantFrom(...names), fc.array(fc.tuple(fc.nat(40), fc.constantFrom('a', 'e', 's', '-', 'x', ''), fc.boolean()), { maxLength: 2 }))
    .map(([name, edits]) => {
      let s = name;
      for (const [at, ch, replace] of edits) {
        const i = at % (s.length + 1);
        s = s.slice(0, i) + ch + s.slice(replace ? i + 1 : i);
      }
      return s;
    });
  fc.assert(
    fc.property(mutate, fc.constantFrom(1, 2), (query, max) => {
      const fast = index
        .within(query, max)
        .map((r) => names[r.id])
        .sort();
      const slow = names.filter((n) => n !== query && boundedDistance(query, n, max) <= max).sort();
      assert.deepEqual(fast, slow);
    }),
    { numRuns: 300 },
  );
});

test('boundedDistance counts swaps as one edit and stops early', () => {
  assert.equal(boundedDistance('electorn', 'electron', 2), 1);
  assert.equal(boundedDistance('express', 'expresss', 2), 1);
  assert.equal(boundedDistance('abc', 'xyz', 1), 2);
  assert.equal(boundedDistance('kitten', 'sitting', 5), 3);
});

test('corpus dependency names stay under 1 finding per 1,000 names', (t) => {
  if (!existsSync(CORPUS_DIR)) {
    t.skip('corpus not present');
    return;
  }
  const { names, hits } = corpusFindings(detector);
  assert.ok(names > 4000, `collected ${names} names`);
  const rate = (hits.length * 1000) / names;
  assert.ok(rate < 1, `${hits.length} findings in ${names} names: ${hits.map((h) => `${h.name}->${h.target}`).join(', ')}`);
});

// ------------------------------------------------------------ rule

function settingsWith(allow: string[] = []): Settings {
  return { ...defaultSettings(), typosquatAllow: allow };
}

function scanManifest(text: string, settings = settingsWith()) {
  return scanFiles([{ path: 'package.json', text }], { settings }).findings.filter((f) => f.rule === 'typosquat');
}

function applyEdits(text: string, edits: { span: { start: number; end: number }; newText: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.span.start - a.span.start)) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
  return out;
}

test('the rule is registered', () => {
  assert.ok(RULES.includes(typosquat));
});

test('"expresss" in package.json: squiggle on the key, message, preferred fix to "express"', () => {
  const text = '{\n  "name": "app",\n  "dependencies": {\n    "expresss": "^4.0.0",\n    "lodash": "^4.17.21"\n  }\n}\n';
  const findings = scanManifest(text);
  assert.equal(findings.length, 1);
  const f = findings[0];
  assert.equal(f.severity, 'warning');
  assert.equal(text.slice(f.span.start, f.span.end), '"expresss"');
  assert.equal(f.message, '"expresss" looks like a typo of the popular package "express" (repeated letter).');
  assert.equal(f.package, 'expresss');
  // Other fixes (remove, suppress) are added by the scan for every rule; ours is the rename.
  const fix = f.fixes.find((x) => x.kind === 'replace-name')!;
  assert.ok(fix);
  assert.equal(fix.title, 'Replace with "express"');
  assert.equal(fix.name, 'express');
  assert.equal(fix.preferred, true);
  const fixed = applyEdits(text, fix.edits!);
  assert.deepEqual(JSON.parse(fixed).dependencies, { express: '^4.0.0', lodash: '^4.17.21' });
});

test('imitations (scope, affix) are described as such', () => {
  const text = '{"devDependencies": {"types-node": "^20.0.0", "cross-env.js": "1.0.0"}}';
  const messages = scanManifest(text).map((f) => f.message).sort();
  assert.deepEqual(messages, [
    '"cross-env.js" looks like an imitation of the popular package "cross-env" (added suffix ".js").',
    '"types-node" looks like an imitation of the popular package "@types/node" (scoped name written without its scope).',
  ]);
});

test('an npm: alias is checked by its real name and fixed inside the spec', () => {
  const text = '{"dependencies": {"my-express": "npm:expresss@^4.18.0"}}';
  const [f] = scanManifest(text);
  assert.ok(f);
  assert.equal(text.slice(f.span.start, f.span.end), '"npm:expresss@^4.18.0"');
  const fix = f.fixes.find((x) => x.kind === 'replace-name')!;
  assert.equal(applyEdits(text, fix.edits!), '{"dependencies": {"my-express": "npm:express@^4.18.0"}}');
  assert.deepEqual(scanManifest('{"dependencies": {"expresss": "npm:express@^4"}}'), []);
});

test('settings allow list, workspace names and non-registry specs are not flagged', () => {
  assert.deepEqual(scanManifest('{"dependencies": {"expresss": "^4.0.0"}}', settingsWith(['expresss'])), []);
  assert.deepEqual(scanManifest('{"dependencies": {"expresss": "github:me/expresss"}}'), []);
  assert.deepEqual(scanManifest('{"dependencies": {"expresss": "file:../expresss"}}'), []);
  assert.deepEqual(scanManifest('{"overrides": {"expresss": "1.0.0"}}'), []);
  const files = [
    { path: 'package.json', text: '{"name": "root", "workspaces": ["packages/*"], "dependencies": {"expresss": "workspace:*", "reactt": "*"}}' },
    { path: 'packages/expresss/package.json', text: '{"name": "expresss"}' },
  ];
  const found = scanFiles(files, { settings: settingsWith() }).findings.filter((f) => f.rule === 'typosquat');
  assert.deepEqual(
    found.map((f) => f.package),
    ['reactt'],
  );
});

test('no replace fix when the target is already declared beside it', () => {
  const [f] = scanManifest('{"dependencies": {"expresss": "^4.0.0", "express": "^4.0.0"}}');
  assert.ok(f);
  assert.deepEqual(f.fixes.filter((x) => x.kind === 'replace-name'), []);
});

// Lockfile parsers are being written elsewhere: build the lockfile model by hand.
function lockedPackage(name: string, offset: number, extra: Partial<LockedPackage> = {}): LockedPackage {
  return {
    id: `node_modules/${name}`,
    name,
    version: '1.0.0',
    source: 'registry',
    span: { start: offset, end: offset + 50 },
    keySpan: { start: offset, end: offset + name.length + 2 },
    dependencies: [],
    ...extra,
  };
}

test('lockfile entries: squat found by real name, direct ones get a fix in package.json', () => {
  const manifestText = '{"name": "app", "dependencies": {"crossenv": "^7.0.0", "alias-of-bad": "npm:mongose@^5"}}';
  const manifest = parseManifest('package.json', manifestText);
  const direct = lockedPackage('crossenv', 100, { dependencies: ['node_modules/jquerry'] });
  const aliased = lockedPackage('alias-of-bad', 200, { realName: 'mongose' });
  const transitive = lockedPackage('jquerry', 300);
  const linked = lockedPackage('expresss', 400, { source: 'link' });
  const fine = lockedPackage('express', 500);
  const lockfile: Lockfile = {
    path: 'package-lock.json',
    format: 'npm',
    lockfileVersion: 3,
    parsed: true,
    parseErrors: [],
    packages: [direct, aliased, transitive, linked, fine],
    importers: [
      {
        path: '',
        dependencies: [
          { name: 'crossenv', spec: '^7.0.0', id: direct.id },
          { name: 'alias-of-bad', spec: 'npm:mongose@^5', id: aliased.id },
        ],
      },
    ],
  };
  const project: Project = {
    manifests: [manifest],
    lockfiles: [lockfile],
    npmrc: parseNpmrc([]),
    configFiles: new Map(),
    graphs: new Map([[lockfile.path, buildGraph(lockfile)]]),
    texts: new Map([['package.json', manifestText]]),
  };
  const findings = typosquat.run({ project, settings: settingsWith(), now: new Date() });
  const inLock = findings.filter((f) => f.file === 'package-lock.json');
  assert.deepEqual(
    inLock.map((f) => [f.package, f.span.start, f.version]),
    [
      ['crossenv', 100, '1.0.0'],
      ['mongose', 200, '1.0.0'],
      ['jquerry', 300, '1.0.0'],
    ],
  );
  const [crossenv, mongose, jquerry] = inLock;
  assert.match(crossenv.message, /"crossenv" looks like a typo of the popular package "cross-env" \(separators removed\)\./);
  assert.equal(crossenv.fixes[0].edits![0].file, 'package.json');
  assert.equal(applyEdits(manifestText, crossenv.fixes[0].edits!), manifestText.replace('"crossenv"', '"cross-env"'));
  assert.equal(applyEdits(manifestText, mongose.fixes[0].edits!), manifestText.replace('npm:mongose@^5', 'npm:mongoose@^5'));
  assert.match(jquerry.message, /pulled in by crossenv\./);
  assert.deepEqual(jquerry.via, ['crossenv', 'jquerry']);
  assert.deepEqual(jquerry.fixes, []);
  // The manifest's own entries are flagged too.
  assert.deepEqual(findings.filter((f) => f.file === 'package.json').map((f) => f.package), ['crossenv', 'mongose']);
});

// ------------------------------------------------------------ registry weighting

function packumentLookup(name: string, created: string, versionCount: number): PackumentLookup {
  const versions: Record<string, Partial<VersionInfo>> = {};
  for (let i = 0; i < versionCount; i++) versions[`1.0.${i}`] = { hasRepository: true };
  return { status: 'ok', packument: packumentFromRecords({ name, distTags: { latest: '1.0.0' }, versions, time: { created } }), registry: 'https://registry.npmjs.org/', fromCache: false };
}

test('with registry data: an old, much-released neighbour is dropped, a new unscoped copy is reported', () => {
  const text = '{"dependencies": {"expresss": "^1.0.0", "crossenv": "^1.0.0", "core-http": "^1.0.0", "core-tracing": "^1.0.0"}}';
  const remote = emptyRemoteData();
  remote.packuments.set('expresss', packumentLookup('expresss', '2015-01-01T00:00:00.000Z', 40));
  remote.packuments.set('crossenv', packumentLookup('crossenv', '2026-11-01T00:00:00.000Z', 1));
  remote.packuments.set('core-http', packumentLookup('core-http', '2026-10-01T00:00:00.000Z', 2));
  remote.packuments.set('core-tracing', packumentLookup('core-tracing', '2014-01-01T00:00:00.000Z', 25));
  const now = new Date('2026-11-28T00:00:00.000Z');
  const found = scanFiles([{ path: 'package.json', text }], { settings: settingsWith(), remote, now }).findings.filter((f) => f.rule === 'typosquat');
  assert.deepEqual(found.map((f) => [f.package, f.fixes.find((x) => x.kind === 'replace-name')?.name]).sort(), [
    ['core-http', '@azure/core-http'],
    ['crossenv', 'cross-env'],
  ]);
  // Offline the name alone decides: the unscoped copy is not reported, the typos are.
  const offline = scanManifest(text).map((f) => f.package).sort();
  assert.deepEqual(offline, ['crossenv', 'expresss']);
});
