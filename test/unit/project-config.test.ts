import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyProjectPolicy, describePolicy, readProjectConfig } from '../../server/src/engine/policy/project-config';
import { defaultSettings, RULE_IDS } from '../../server/src/engine/model';
import { scanFiles } from '../../server/src/engine/scan';
import { toEngineSettings } from '../../server/src/lsp/settings';

const FULL = JSON.stringify({
  $schema: './node_modules/depwarden/schemas/depwarden.schema.json',
  rules: { 'unpinned-range': 'error', 'no-repository': 'off' },
  allowedHosts: ['npm.corp.example'],
  typosquat: { allow: ['expresss'] },
  cooldownDays: 7,
  newPackageDays: 60,
  malwareFeeds: ['https://feeds.example/npm.txt'],
  suppressions: [{ rule: 'install-script', package: 'esbuild', version: '*', reason: 'binary download' }],
});

test('every policy key is read, and the suppressions beside them', () => {
  const c = readProjectConfig(FULL);
  assert.deepEqual(c.problems, []);
  assert.deepEqual({ ...c.policy, rules: { ...c.policy.rules } }, {
    rules: { 'unpinned-range': 'error', 'no-repository': 'off' },
    allowedHosts: ['npm.corp.example'],
    typosquatAllow: ['expresss'],
    cooldownDays: 7,
    newPackageDays: 60,
    malwareFeeds: ['https://feeds.example/npm.txt'],
  });
  assert.equal(c.suppressions.suppressions.length, 1);
  assert.deepEqual(describePolicy(c), ['2 rule overrides', 'cooldownDays 7', 'newPackageDays 60', '1 allowed host', '1 typosquat allowance', '1 malware feed', '1 suppression']);
});

test('a file with only suppressions (the format before) stays valid; no file and an empty file set nothing', () => {
  assert.deepEqual(readProjectConfig(JSON.stringify({ suppressions: [] })).problems, []);
  assert.equal(readProjectConfig(undefined).present, false);
  const empty = readProjectConfig('');
  assert.equal(empty.present, true);
  assert.deepEqual(empty.policy, {});
  assert.deepEqual(empty.problems, []);
});

test('wrong types, unknown rule ids, bad severities, unknown and user-only keys are each a problem; what is right still applies', () => {
  // "__proto__" written as a key in the file (an object literal would set the prototype instead).
  const text = JSON.stringify({
    rules: { typosquat: 'loud', 'not-a-rule': 'off', PROTO: 'off', 'unpinned-range': 'warning' },
    cooldownDays: '7',
    newPackageDays: -1,
    allowedHosts: 'npm.corp.example',
    typosquat: { allow: ['ok', 3], deny: [] },
    malwareFeeds: ['file:///etc/passwd', 'https://feeds.example/a.txt'],
    registry: 'https://evil.example/',
    advisories: { url: 'https://evil.example/' },
    publicRegistries: ['evil.example'],
    offline: true,
    cooldownDayz: 3,
  }).replace('"PROTO"', '"__proto__"');
  const c = readProjectConfig(text);
  const messages = c.problems.map((p) => p.message);
  for (const expected of [
    /the severity of "typosquat" must be/,
    /"not-a-rule" is not a depwarden rule id/,
    /"__proto__" is not a depwarden rule id/,
    /"cooldownDays" must be a number/,
    /"newPackageDays" must be a number/,
    /"allowedHosts" must be an array/,
    /"allowedHosts"|"allow" must hold non-empty strings/,
    /unknown property "typosquat.deny"/,
    /"malwareFeeds" must hold http\(s\) URLs; ignored: "file:\/\/\/etc\/passwd"/,
    /"registry" is ignored: a project file may not set it \(it would choose where package names are sent\)/,
    /"advisories" is ignored/,
    /"publicRegistries" is ignored/,
    /"offline" is ignored/,
    /unknown property "cooldownDayz"/,
  ]) {
    assert.ok(messages.some((m) => expected.test(m)), `${expected} in ${messages.join('\n')}`);
  }
  for (const p of c.problems) assert.ok(p.span.end > p.span.start && text.slice(p.span.start, p.span.end).length > 0, 'each problem points into the file');
  assert.deepEqual({ ...c.policy.rules }, { 'unpinned-range': 'warning' });
  assert.equal(Object.getPrototypeOf(c.policy.rules), null, 'rule severities live in a prototype-free record');
  assert.deepEqual(c.policy.typosquatAllow, ['ok']);
  assert.deepEqual(c.policy.malwareFeeds, ['https://feeds.example/a.txt']);
  assert.equal(c.policy.cooldownDays, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('bad JSON is an unparsed-file error (what parsed still applies, as everywhere); too deep applies nothing', () => {
  const manifest = { path: 'package.json', text: '{"dependencies":{"expresss":"1.0.0"}}' };
  for (const [text, typosquatOff] of [['{ "rules": { "typosquat": "off" ', true], ['{"rules":{"typosquat":"off"},"x":' + '['.repeat(100_000), false]] as const) {
    const result = scanFiles([manifest, { path: '.depwarden.json', text }], { settings: defaultSettings() });
    const unparsed = result.findings.filter((f) => f.rule === 'unparsed-file' && f.file === '.depwarden.json');
    assert.ok(unparsed.length >= 1, text.slice(0, 40));
    assert.ok(unparsed.every((f) => f.severity === 'error'));
    assert.equal(result.findings.some((f) => f.rule === 'typosquat'), !typosquatOff);
  }
});

test('precedence: defaults < .depwarden.json < the user (VS Code setting or CLI flag); allow lists and feeds add up', () => {
  const policy = readProjectConfig(FULL).policy;
  const s = defaultSettings();
  s.overrides = { rules: { 'unpinned-range': 'hint' }, cooldownDays: 1, allowedHosts: ['mine.example'], malwareFeeds: ['https://mine.example/list.txt'] };
  applyProjectPolicy(s, policy);
  assert.deepEqual({ ...s.rules }, { 'unpinned-range': 'hint', 'no-repository': 'off' });
  assert.equal(s.cooldownDays, 1, 'the user wins');
  assert.equal(s.newPackageDays, 60, 'the file wins over the default');
  assert.deepEqual(s.allowedHosts, ['npm.corp.example', 'mine.example']);
  assert.deepEqual(s.typosquatAllow, ['expresss']);
  assert.deepEqual(s.malwareFeeds, ['https://feeds.example/npm.txt', 'https://mine.example/list.txt']);
  // Applied again with the file gone: back to the user's values over the defaults.
  applyProjectPolicy(s, {});
  assert.deepEqual({ ...s.rules }, { 'unpinned-range': 'hint' });
  assert.equal(s.newPackageDays, 30);
  assert.deepEqual(s.allowedHosts, ['mine.example']);
});

test('VS Code settings: values equal to their defaults leave the file in charge; others override it', () => {
  const policy = readProjectConfig(FULL).policy;
  const asDefaults = toEngineSettings({ cooldownDays: 3, newPackageDays: 30, allowedHosts: [], rules: {} });
  applyProjectPolicy(asDefaults, policy);
  assert.equal(asDefaults.cooldownDays, 7);
  assert.equal(asDefaults.newPackageDays, 60);
  const user = toEngineSettings({ cooldownDays: 2, rules: { 'no-repository': 'warning' } });
  applyProjectPolicy(user, policy);
  assert.equal(user.cooldownDays, 2);
  assert.equal(user.rules['no-repository'], 'warning');
  assert.equal(user.rules['unpinned-range'], 'error');
});

test("the file's own problems keep the user's unparsed-file severity: the file cannot turn them off", () => {
  const files = [
    { path: 'package.json', text: '{"dependencies":{"expresss":"1.0.0"}}' },
    { path: '.depwarden.json', text: JSON.stringify({ rules: { 'unparsed-file': 'off', typosquat: 'nope' } }) },
  ];
  const own = scanFiles(files, { settings: defaultSettings() }).findings.filter((f) => f.file === '.depwarden.json');
  assert.deepEqual(own.map((f) => [f.rule, f.severity]), [['unparsed-file', 'error']]);
  const s = defaultSettings();
  s.rules['unparsed-file'] = 'off';
  assert.deepEqual(scanFiles(files, { settings: s }).findings.filter((f) => f.file === '.depwarden.json'), [], 'the user may turn it off');
});

test('the JSON schema lists exactly the keys the parser reads, and every rule id under "rules"', () => {
  const schema = JSON.parse(readFileSync(path.join(__dirname, '../../schemas/depwarden.schema.json'), 'utf8'));
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(Object.keys(schema.properties).sort(), ['$schema', 'allowedHosts', 'cooldownDays', 'malwareFeeds', 'newPackageDays', 'rules', 'suppressions', 'typosquat']);
  assert.deepEqual(schema.properties.rules.propertyNames.enum, [...RULE_IDS]);
  assert.deepEqual(Object.keys(schema.properties.rules.properties), [...RULE_IDS]);
  assert.deepEqual(Object.keys(schema.properties.typosquat.properties), ['allow']);
  const d = defaultSettings();
  assert.equal(schema.properties.cooldownDays.default, d.cooldownDays);
  assert.equal(schema.properties.newPackageDays.default, d.newPackageDays);
  // What the schema accepts, the parser accepts without a problem.
  const example = { rules: Object.fromEntries(RULE_IDS.map((id) => [id, 'warning'])), allowedHosts: ['a.example'], typosquat: { allow: ['x'] }, cooldownDays: 1, newPackageDays: 2, malwareFeeds: ['https://f.example/l.txt'], suppressions: [] };
  assert.deepEqual(readProjectConfig(JSON.stringify(example)).problems, []);
});

test('a file of 20,000 bad keys is 50 findings and a count, not 20,000 diagnostics', () => {
  const text = '{' + Array.from({ length: 20_000 }, (_, i) => `"k${i}": ${i}`).join(',') + '}';
  const own = scanFiles([{ path: 'package.json', text: '{}' }, { path: '.depwarden.json', text }], { settings: defaultSettings() }).findings.filter((f) => f.file === '.depwarden.json');
  assert.equal(own.length, 51);
  assert.match(own[own.length - 1].message + own.map((f) => f.message).join('\n'), /and 19950 more problems like these/);
});
