import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProject } from '../../server/src/engine/project';
import { scanFiles, type ScanResult } from '../../server/src/engine/scan';
import type { Finding, SourceFile, TextEdit } from '../../server/src/engine/model';
import { removeDependencyEdits } from '../../server/src/engine/fixes/remove-dependency';
import { overrideEdits, setDependencyVersionEdits } from '../../server/src/engine/fixes/version-edits';
import { suppressEdits, PLACEHOLDER_REASON } from '../../server/src/engine/fixes/suppress';
import { pnpmDenyScriptsEdits } from '../../server/src/engine/fixes/deny-scripts';
import { attachStandardFixes } from '../../server/src/engine/fixes/standard-fixes';
import { applyTextEdits } from '../../server/src/engine/fixes/text-edits';
import { parseSuppressions } from '../../server/src/engine/policy/suppressions';
import { fixEdits } from '../../server/src/engine/fixes/fix-edits';

function projectOf(files: Record<string, string>) {
  return buildProject(Object.entries(files).map(([path, text]): SourceFile => ({ path, text })));
}

/** Applies the edits for `file` and returns the text. */
function applied(text: string, edits: TextEdit[] | undefined, file = 'package.json'): string {
  assert.ok(edits && edits.length > 0, 'edits computed');
  return applyTextEdits(text, edits.filter((e) => e.file === file));
}

function removeFrom(text: string, name: string, section = 'dependencies'): string {
  const p = projectOf({ 'package.json': text });
  const dep = p.manifests[0].dependencies.find((d) => d.name === name && d.section === section)!;
  assert.ok(dep, `${name} parsed`);
  return applied(text, removeDependencyEdits(p, 'package.json', dep));
}

const TWO = `{
  "name": "app",
  "dependencies": {
    "a": "^1.0.0",
    "b": "^2.0.0",
    "c": "^3.0.0"
  },
  "devDependencies": {
    "d": "1.0.0"
  }
}
`;

test('remove: the first, middle and last property, commas kept valid', () => {
  assert.equal(removeFrom(TWO, 'a'), TWO.replace('    "a": "^1.0.0",\n', ''));
  assert.equal(removeFrom(TWO, 'b'), TWO.replace('    "b": "^2.0.0",\n', ''));
  assert.equal(removeFrom(TWO, 'c'), TWO.replace(',\n    "c": "^3.0.0"', ''));
  for (const n of ['a', 'b', 'c']) JSON.parse(removeFrom(TWO, n));
});

test('remove: the only property leaves an empty object', () => {
  assert.equal(removeFrom(TWO, 'd', 'devDependencies'), TWO.replace('"devDependencies": {\n    "d": "1.0.0"\n  }', '"devDependencies": {}'));
});

test('remove: tabs and 4-space indentation are kept', () => {
  const tabs = '{\n\t"dependencies": {\n\t\t"a": "1",\n\t\t"b": "2"\n\t}\n}\n';
  assert.equal(removeFrom(tabs, 'a'), '{\n\t"dependencies": {\n\t\t"b": "2"\n\t}\n}\n');
  assert.equal(removeFrom(tabs, 'b'), '{\n\t"dependencies": {\n\t\t"a": "1"\n\t}\n}\n');
  const four = '{\n    "dependencies": {\n        "a": "1",\n        "b": "2",\n        "c": "3"\n    }\n}\n';
  assert.equal(removeFrom(four, 'b'), '{\n    "dependencies": {\n        "a": "1",\n        "c": "3"\n    }\n}\n');
});

test('remove: CRLF files and a dependency written on one line', () => {
  const crlf = '{\r\n  "dependencies": {\r\n    "a": "1",\r\n    "b": "2"\r\n  }\r\n}\r\n';
  assert.equal(removeFrom(crlf, 'a'), '{\r\n  "dependencies": {\r\n    "b": "2"\r\n  }\r\n}\r\n');
  const inline = '{"dependencies": {"a": "1", "b": "2", "c": "3"}}';
  assert.equal(removeFrom(inline, 'b'), '{"dependencies": {"a": "1", "c": "3"}}');
});

test('remove: every copy of a duplicated key goes (JSON.parse would keep the last)', () => {
  const dup = '{\n  "dependencies": {\n    "a": "1",\n    "x": "0",\n    "a": "2"\n  }\n}\n';
  assert.equal(removeFrom(dup, 'a'), '{\n  "dependencies": {\n    "x": "0"\n  }\n}\n');
});

test('remove: a manifest with syntax errors is not edited', () => {
  const broken = '{\n  "dependencies": {\n    "a": "1",\n    "b" "2"\n  }\n}\n';
  const p = projectOf({ 'package.json': broken });
  const dep = p.manifests[0].dependencies.find((d) => d.name === 'a')!;
  assert.equal(removeDependencyEdits(p, 'package.json', dep), undefined);
});

test('pin and upgrade rewrite only the spec; upgrade keeps ^ and ~, aliases keep npm:', () => {
  const text = '{\n  "dependencies": {\n    "a": "^1.0.0",\n    "b": "~2.1.0",\n    "c": ">=1",\n    "d": "npm:real@^1.0.0"\n  }\n}\n';
  const p = projectOf({ 'package.json': text });
  const dep = (n: string) => p.manifests[0].dependencies.find((d) => d.name === n)!;
  assert.equal(applied(text, setDependencyVersionEdits('package.json', dep('a'), '1.2.3', 'exact')), text.replace('"^1.0.0"', '"1.2.3"'));
  assert.equal(applied(text, setDependencyVersionEdits('package.json', dep('a'), '1.2.3', 'keep-operator')), text.replace('"^1.0.0"', '"^1.2.3"'));
  assert.equal(applied(text, setDependencyVersionEdits('package.json', dep('b'), '2.1.5', 'keep-operator')), text.replace('"~2.1.0"', '"~2.1.5"'));
  assert.equal(applied(text, setDependencyVersionEdits('package.json', dep('c'), '1.4.0', 'keep-operator')), text.replace('">=1"', '"1.4.0"'));
  assert.equal(applied(text, setDependencyVersionEdits('package.json', dep('d'), '1.0.9', 'keep-operator')), text.replace('"npm:real@^1.0.0"', '"npm:real@^1.0.9"'));
});

test('upgrade of a transitive package: an override in the format of the package manager', () => {
  const manifest = '{\n    "name": "app",\n    "dependencies": {\n        "a": "^1.0.0"\n    }\n}\n';
  const lockFor: Record<string, string> = {
    'package-lock.json': JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { '': {} } }),
    'yarn.lock': '# yarn lockfile v1\n\n',
  };
  const npm = projectOf({ 'package.json': manifest, 'package-lock.json': lockFor['package-lock.json'] });
  assert.equal(
    applied(manifest, overrideEdits(npm, npm.lockfiles[0], 'minimist', '1.2.6')),
    '{\n    "name": "app",\n    "dependencies": {\n        "a": "^1.0.0"\n    },\n    "overrides": {\n        "minimist": "1.2.6"\n    }\n}\n',
  );
  const yarn = projectOf({ 'package.json': manifest, 'yarn.lock': lockFor['yarn.lock'] });
  assert.equal(yarn.lockfiles[0].format, 'yarn-classic');
  assert.match(applied(manifest, overrideEdits(yarn, yarn.lockfiles[0], 'minimist', '1.2.6')), /"resolutions": \{\n        "minimist": "1\.2\.6"\n    \}/);
  // npm's nested override form keeps the package's own version under ".".
  const nested = '{\n  "overrides": {\n    "minimist": {\n      "foo": "1.0.0"\n    }\n  }\n}\n';
  const p2 = projectOf({ 'package.json': nested, 'package-lock.json': lockFor['package-lock.json'] });
  assert.equal(
    applied(nested, overrideEdits(p2, p2.lockfiles[0], 'minimist', '1.2.6')),
    '{\n  "overrides": {\n    "minimist": {\n      "foo": "1.0.0",\n      ".": "1.2.6"\n    }\n  }\n}\n',
  );
});

const ENTRY = { rule: 'typosquat' as const, package: 'lodahs', version: '1.0.0', reason: PLACEHOLDER_REASON };

test('suppress: creates .depwarden.json when there is none', () => {
  const p = projectOf({ 'package.json': '{}' });
  const edits = suppressEdits(p, ENTRY)!;
  assert.equal(edits.length, 1);
  assert.equal(edits[0].create, true);
  assert.equal(edits[0].file, '.depwarden.json');
  assert.equal(
    edits[0].newText,
    `{\n  "suppressions": [\n    {\n      "rule": "typosquat",\n      "package": "lodahs",\n      "version": "1.0.0",\n      "reason": "${PLACEHOLDER_REASON}"\n    }\n  ]\n}\n`,
  );
  assert.equal(parseSuppressions(edits[0].newText).suppressions[0].package, 'lodahs');
});

test('suppress: appends after existing entries, in the file\'s indentation, leaving them as written', () => {
  const tabs = '{\n\t"suppressions": [\n\t\t{ "rule": "deprecated", "package": "x", "version": "*", "reason": "ok" }\n\t]\n}\n';
  const p = projectOf({ '.depwarden.json': tabs });
  assert.equal(
    applied(tabs, suppressEdits(p, ENTRY), '.depwarden.json'),
    `{\n\t"suppressions": [\n\t\t{ "rule": "deprecated", "package": "x", "version": "*", "reason": "ok" },\n\t\t{\n\t\t\t"rule": "typosquat",\n\t\t\t"package": "lodahs",\n\t\t\t"version": "1.0.0",\n\t\t\t"reason": "${PLACEHOLDER_REASON}"\n\t\t}\n\t]\n}\n`,
  );
  const four = '{\n    "suppressions": [\n        {\n            "rule": "deprecated",\n            "package": "x",\n            "version": "*",\n            "reason": "ok"\n        }\n    ]\n}\n';
  const p4 = projectOf({ '.depwarden.json': four });
  const out = applied(four, suppressEdits(p4, ENTRY), '.depwarden.json');
  assert.equal(
    out,
    four.replace('        }\n    ]', `        },\n        {\n            "rule": "typosquat",\n            "package": "lodahs",\n            "version": "1.0.0",\n            "reason": "${PLACEHOLDER_REASON}"\n        }\n    ]`),
  );
  assert.equal(parseSuppressions(out).suppressions.length, 2);
});

test('suppress: adds the array to a file without one, fills an empty one, and leaves a broken file alone', () => {
  const noList = '{\n  "$schema": "./schema.json"\n}\n';
  const a = applied(noList, suppressEdits(projectOf({ '.depwarden.json': noList }), ENTRY), '.depwarden.json');
  assert.equal(
    a,
    `{\n  "$schema": "./schema.json",\n  "suppressions": [\n    {\n      "rule": "typosquat",\n      "package": "lodahs",\n      "version": "1.0.0",\n      "reason": "${PLACEHOLDER_REASON}"\n    }\n  ]\n}\n`,
  );
  const empty = '{\n  "suppressions": []\n}\n';
  const b = applied(empty, suppressEdits(projectOf({ '.depwarden.json': empty }), ENTRY), '.depwarden.json');
  assert.deepEqual(JSON.parse(b), { suppressions: [ENTRY] });
  assert.equal(suppressEdits(projectOf({ '.depwarden.json': '{ "suppressions": [ ' }), ENTRY), undefined);
});

test('deny scripts (pnpm 10): allowBuilds in pnpm-workspace.yaml, created or added to', () => {
  const lock = "lockfileVersion: '9.0'\n";
  const none = projectOf({ 'package.json': '{}', 'pnpm-lock.yaml': lock });
  const created = pnpmDenyScriptsEdits(none, none.lockfiles[0], 'esbuild', 10)!;
  assert.deepEqual(created.edits, [{ file: 'pnpm-workspace.yaml', span: { start: 0, end: 0 }, newText: 'allowBuilds:\n  esbuild: false\n', create: true }]);
  const ws = '# workspace\npackages:\n  - apps/*\n\nallowBuilds:\n  sharp: true\n';
  const p = projectOf({ 'package.json': '{}', 'pnpm-lock.yaml': lock, 'pnpm-workspace.yaml': ws });
  assert.equal(applied(ws, pnpmDenyScriptsEdits(p, p.lockfiles[0], 'esbuild', 10)!.edits, 'pnpm-workspace.yaml'), ws + '  esbuild: false\n');
});

test('deny scripts (pnpm 10): no edit to a pnpm-workspace.yaml the scan refused as too deeply nested', () => {
  const lock = "lockfileVersion: '9.0'\n";
  const deep = `packages: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
  const p = projectOf({ 'package.json': '{}', 'pnpm-lock.yaml': lock, 'pnpm-workspace.yaml': deep });
  assert.equal(pnpmDenyScriptsEdits(p, p.lockfiles[0], 'esbuild', 10), undefined);
});

test('deny scripts (pnpm 9): pnpm.neverBuiltDependencies in package.json', () => {
  const manifest = '{\n  "name": "app"\n}\n';
  const p = projectOf({ 'package.json': manifest, 'pnpm-lock.yaml': "lockfileVersion: '6.0'\n" });
  assert.equal(
    applied(manifest, pnpmDenyScriptsEdits(p, p.lockfiles[0], 'esbuild', 9)!.edits),
    '{\n  "name": "app",\n  "pnpm": {\n    "neverBuiltDependencies": [\n      "esbuild"\n    ]\n  }\n}\n',
  );
});

function finding(over: Partial<Finding>): Finding {
  return { rule: 'known-malware', severity: 'error', message: 'bad', file: 'package.json', span: { start: 0, end: 0 }, fixes: [], ...over };
}

test('attachStandardFixes: remove (preferred) and suppress for a known-bad manifest dependency; no duplicates', () => {
  const text = '{\n  "dependencies": {\n    "evil": "1.0.0",\n    "good": "1.0.0"\n  }\n}\n';
  const project = projectOf({ 'package.json': text });
  const dep = project.manifests[0].dependencies.find((d) => d.name === 'evil')!;
  const f = finding({ span: dep.nameSpan, package: 'evil', version: '1.0.0' });
  const already = finding({ rule: 'typosquat', span: dep.specSpan!, package: 'evil', version: '1.0.0', fixes: [{ title: 'Suppress (rule)', kind: 'suppress' }] });
  const result: ScanResult = { project, files: [], findings: [f, already], ruleErrors: [] };
  attachStandardFixes(result);
  attachStandardFixes(result); // running twice adds nothing
  assert.deepEqual(f.fixes.map((x) => [x.kind, x.title, x.preferred]), [
    ['remove', 'Remove evil from dependencies', true],
    ['suppress', 'Suppress known-malware for evil@1.0.0', false],
  ]);
  assert.equal(applied(text, fixEdits(f.fixes[0])), '{\n  "dependencies": {\n    "good": "1.0.0"\n  }\n}\n');
  const created = fixEdits(f.fixes[1])![0];
  assert.equal(created.create, true);
  assert.deepEqual(parseSuppressions(created.newText).suppressions.map((s) => [s.rule, s.package, s.version]), [['known-malware', 'evil', '1.0.0']]);
  // typosquat's rule-provided suppress is kept, not doubled; remove is added.
  assert.deepEqual(already.fixes.map((x) => x.kind), ['suppress', 'remove']);
});

test('attachStandardFixes: no remove for rules that do not mean "do not install"; upgrade edits filled in', () => {
  const text = '{\n  "dependencies": {\n    "lib": "^1.0.0"\n  }\n}\n';
  const project = projectOf({ 'package.json': text });
  const dep = project.manifests[0].dependencies[0];
  const f = finding({ rule: 'known-vulnerability', severity: 'warning', span: dep.specSpan!, package: 'lib', version: '1.0.0', fixes: [{ title: 'Upgrade to 1.0.5', kind: 'upgrade', version: '1.0.5', preferred: true }] });
  attachStandardFixes({ project, files: [], findings: [f], ruleErrors: [] });
  assert.deepEqual(f.fixes.map((x) => x.kind), ['upgrade', 'suppress']);
  assert.equal(applied(text, fixEdits(f.fixes[0])), text.replace('"^1.0.0"', '"^1.0.5"'));
});

test('scanFiles attaches a suppress fix to lockfile findings; applying it silences the finding', () => {
  const manifest = '{\n  "dependencies": {\n    "left-pad": "^1.3.0"\n  }\n}\n';
  const lock = JSON.stringify({
    name: 'app',
    lockfileVersion: 3,
    packages: {
      '': { dependencies: { 'left-pad': '^1.3.0' } },
      'node_modules/left-pad': { version: '1.3.0', resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz' },
    },
  }, null, 2);
  const files = [{ path: 'package.json', text: manifest }, { path: 'package-lock.json', text: lock }];
  const first = scanFiles(files);
  const f = first.findings.find((x) => x.rule === 'lockfile-integrity')!;
  assert.ok(f, 'no integrity: a lockfile-integrity finding');
  const fix = f.fixes.find((x) => x.kind === 'suppress')!;
  assert.equal(fix.title, 'Suppress lockfile-integrity for left-pad@1.3.0');
  assert.equal(f.fixes.some((x) => x.kind === 'remove'), false);
  const second = scanFiles([...files, { path: '.depwarden.json', text: fixEdits(fix)![0].newText }]);
  assert.match(second.findings.find((x) => x.rule === 'lockfile-integrity')!.suppressed!.reason, /TODO/);
});
