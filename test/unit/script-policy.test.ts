import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProject } from '../../server/src/engine/project';
import type { Lockfile, LockfileFormat, TextEdit } from '../../server/src/engine/model';
import { fixEdits } from '../../server/src/engine/fixes/fix-edits';
import {
  detectPackageManager,
  matchAllowScripts,
  matchesNameKey,
  scriptPolicyFor,
  type ScriptSubject,
} from '../../server/src/engine/policy/script-policy';

const LOCK_NAMES: Record<LockfileFormat, string> = {
  npm: 'package-lock.json',
  pnpm: 'pnpm-lock.yaml',
  'yarn-classic': 'yarn.lock',
  'yarn-berry': 'yarn.lock',
  bun: 'bun.lock',
};

function lockfile(format: LockfileFormat, lockfileVersion?: number | string, dir = ''): Lockfile {
  return { path: (dir ? dir + '/' : '') + LOCK_NAMES[format], format, lockfileVersion, parsed: true, parseErrors: [], packages: [], importers: [] };
}

/** The policy for a project made of these files, with the given lockfile. */
function policy(files: Record<string, string | object>, lock?: Lockfile) {
  const project = buildProject(
    Object.entries(files).map(([path, v]) => ({ path, text: typeof v === 'string' ? v : JSON.stringify(v, null, 2) })),
  );
  return { project, policy: scriptPolicyFor(project, lock) };
}

const esbuild: ScriptSubject = { name: 'esbuild', version: '0.19.2', source: 'registry', resolved: 'https://registry.npmjs.org/esbuild/-/esbuild-0.19.2.tgz' };

function applyEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.span.start - a.span.start)) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
  return out;
}

// ------------------------------------------------------------ which package manager

test('detectPackageManager: the lockfile names the tool, packageManager its version', () => {
  const m = (packageManager?: string) => buildProject([{ path: 'package.json', text: JSON.stringify({ name: 'a', packageManager }) }]).manifests[0];
  assert.deepEqual(detectPackageManager(lockfile('npm', 3), m('npm@11.6.2')), { name: 'npm', major: 11, evidence: 'packageManager "npm@11.6.2"' });
  assert.equal(detectPackageManager(lockfile('npm', 3), m()).major, undefined);
  assert.equal(detectPackageManager(lockfile('pnpm', '9.0'), m('pnpm@10.4.1+sha512.abc')).major, 10);
  assert.equal(detectPackageManager(lockfile('pnpm', '9.0'), m()).major, undefined, 'v9 lockfiles come from pnpm 9, 10 and 11');
  assert.equal(detectPackageManager(lockfile('pnpm', '6.0'), m()).major, 8);
  assert.equal(detectPackageManager(lockfile('pnpm', 5.4), m()).major, 7);
  assert.equal(detectPackageManager(lockfile('yarn-classic', 1), m()).major, 1);
  assert.equal(detectPackageManager(lockfile('yarn-berry', 8), m('yarn@4.1.0')).major, 4);
  // A berry lockfile with packageManager yarn@1 is contradictory: the lockfile's family wins.
  assert.equal(detectPackageManager(lockfile('yarn-berry', 8), m('yarn@1.22.0')).major, 2);
  // Different tools: the lockfile is what the install reads.
  assert.equal(detectPackageManager(lockfile('npm', 3), m('pnpm@10.0.0')).name, 'npm');
  assert.deepEqual(detectPackageManager(undefined, m('bun@1.1.0')), { name: 'bun', major: 1, evidence: 'packageManager "bun@1.1.0"' });
  assert.equal(detectPackageManager(undefined, m()).name, 'npm');
});

test('matchesNameKey and matchAllowScripts follow npm: names, exact pins, "||" pins; denial wins; no ranges', () => {
  assert.equal(matchesNameKey('esbuild', 'esbuild', '0.19.2'), true);
  assert.equal(matchesNameKey('esbuild@*', 'esbuild', '0.19.2'), true);
  assert.equal(matchesNameKey('esbuild@0.19.2', 'esbuild', '0.19.2'), true);
  assert.equal(matchesNameKey('esbuild@0.19.1 || 0.19.2', 'esbuild', '0.19.2'), true);
  assert.equal(matchesNameKey('esbuild@0.19.1', 'esbuild', '0.19.2'), false);
  assert.equal(matchesNameKey('esbuild@^0.19.0', 'esbuild', '0.19.2'), false);
  assert.equal(matchesNameKey('esbuild-wasm', 'esbuild', '0.19.2'), false);
  assert.equal(matchesNameKey('@scope/a@1.0.0', '@scope/a', '1.0.0'), true);
  assert.equal(matchAllowScripts({ esbuild: true, 'esbuild@0.19.2': false }, esbuild), false);
  assert.equal(matchAllowScripts({ 'esbuild@0.19.2': true }, esbuild), true);
  assert.equal(matchAllowScripts({ other: true }, esbuild), undefined);
  // Registry keys never match a git package of the same name.
  assert.equal(matchAllowScripts({ esbuild: true }, { ...esbuild, source: 'git', resolved: 'git+https://github.com/e/e.git#a' }), undefined);
  // An alias is matched by its real name.
  assert.equal(matchAllowScripts({ react: false }, { name: 'my-react', realName: 'react', version: '18.0.0', source: 'registry' }), false);
});

// ------------------------------------------------------------ npm

test('npm: unreviewed scripts run (npm 11 only prints a notice); the fix adds "name": false to allowScripts', () => {
  const text = '{\n    "name": "app",\n    "packageManager": "npm@11.6.2",\n    "allowScripts": {\n        "sharp@0.33.1": true\n    }\n}\n';
  const { policy: p } = policy({ 'package.json': text }, lockfile('npm', 3));
  assert.equal(p.packageManager.major, 11);
  const d = p.decide(esbuild);
  assert.equal(d.runs, true);
  assert.equal(d.certain, true);
  assert.match(d.reason, /npm 11 runs install scripts that allowScripts does not deny/);
  assert.equal(d.fix?.kind, 'deny-scripts');
  const edited = applyEdits(text, fixEdits(d.fix!)!);
  assert.deepEqual(JSON.parse(edited).allowScripts, { 'sharp@0.33.1': true, esbuild: false });
  assert.match(edited, /\n {8}"esbuild": false/, 'keeps the file\'s 4-space indentation');
  assert.equal(fixEdits(d.fix!)![0].file, 'package.json');

  const sharp = p.decide({ name: 'sharp', version: '0.33.1', source: 'registry' });
  assert.equal(sharp.runs, true);
  assert.match(sharp.reason, /approves it/);
  assert.equal(p.decide({ name: 'sharp', version: '0.33.2', source: 'registry' }).reason.includes('approves'), false, 'a pin approves one version only');
});

test('npm: denial, ignore-scripts, strict-allow-scripts, dangerously-allow-all-scripts, old npm', () => {
  const deny = { name: 'app', packageManager: 'npm@11.0.0', allowScripts: { esbuild: false } };
  const denied = policy({ 'package.json': deny }, lockfile('npm', 3)).policy.decide(esbuild);
  assert.equal(denied.runs, false);
  assert.match(denied.reason, /allowScripts denies it/);
  assert.equal(denied.fix, undefined);

  const all = policy({ 'package.json': deny, '.npmrc': 'dangerously-allow-all-scripts=true\n' }, lockfile('npm', 3)).policy.decide(esbuild);
  assert.equal(all.runs, true);

  const ignored = policy({ 'package.json': { name: 'app' }, '.npmrc': 'ignore-scripts = true\n' }, lockfile('npm', 3)).policy.decide(esbuild);
  assert.equal(ignored.runs, false);
  assert.match(ignored.reason, /ignore-scripts=true/);

  const strict = policy({ 'package.json': { name: 'app', packageManager: 'npm@11.2.0' }, '.npmrc': 'strict-allow-scripts=true' }, lockfile('npm', 3)).policy.decide(esbuild);
  assert.equal(strict.runs, false);
  assert.match(strict.reason, /strict-allow-scripts/);

  // npm 10 ignores allowScripts: a denial there does not stop anything.
  const old = policy({ 'package.json': { name: 'app', packageManager: 'npm@10.9.0', allowScripts: { esbuild: false } } }, lockfile('npm', 3)).policy.decide(esbuild);
  assert.equal(old.runs, true);
  assert.match(old.reason, /npm 10 runs every dependency's install scripts/);

  // No signal at all: npm runs it, and the reason says what would stop it.
  const unknown = policy({ 'package.json': { name: 'app' } }, lockfile('npm', 3)).policy.decide(esbuild);
  assert.equal(unknown.runs, true);
  assert.match(unknown.reason, /unless allowScripts \(npm 11\) denies them/);
  assert.ok(unknown.fix && fixEdits(unknown.fix)?.length, 'the allowScripts edit is offered');
});

test('npm: the .npmrc allow-scripts list applies when package.json has none, and then no package.json edit is proposed', () => {
  const { policy: p } = policy({ 'package.json': { name: 'app', packageManager: 'npm@11.3.0' }, '.npmrc': 'allow-scripts=esbuild,sharp\n' }, lockfile('npm', 3));
  const d = p.decide(esbuild);
  assert.equal(d.runs, true);
  assert.match(d.reason, /\.npmrc allow-scripts approves it/);
  assert.equal(d.fix && fixEdits(d.fix), undefined, 'a package.json allowScripts would replace the .npmrc list');
});

// ------------------------------------------------------------ pnpm

test('pnpm 10+: blocked unless onlyBuiltDependencies / allowBuilds list it; pnpm < 10 runs them', () => {
  const pj = { name: 'app', packageManager: 'pnpm@10.4.1' };
  const blocked = policy({ 'package.json': pj }, lockfile('pnpm', '9.0')).policy.decide(esbuild);
  assert.equal(blocked.runs, false);
  assert.match(blocked.reason, /pnpm 10 blocks dependency build scripts/);

  const listedYaml = policy({ 'package.json': pj, 'pnpm-workspace.yaml': 'onlyBuiltDependencies:\n  - esbuild\n' }, lockfile('pnpm', '9.0')).policy;
  assert.equal(listedYaml.decide(esbuild).runs, true);
  assert.equal(listedYaml.decide({ ...esbuild, name: 'core-js' }).runs, false);
  assert.equal(listedYaml.decide(esbuild).fix?.kind, 'deny-scripts');

  const listedPkg = policy({ 'package.json': { ...pj, pnpm: { onlyBuiltDependencies: ['esbuild'] } } }, lockfile('pnpm', '9.0')).policy;
  assert.equal(listedPkg.decide(esbuild).runs, true);

  const allowBuilds = policy(
    { 'package.json': { name: 'app', packageManager: 'pnpm@11.1.0' }, 'pnpm-workspace.yaml': "allowBuilds:\n  esbuild: true\n  '@parcel/watcher': false\n" },
    lockfile('pnpm', '9.0'),
  ).policy;
  assert.equal(allowBuilds.decide(esbuild).runs, true);
  const watcher = allowBuilds.decide({ name: '@parcel/watcher', version: '2.0.0', source: 'registry' });
  assert.equal(watcher.runs, false);
  assert.match(watcher.reason, /deny/);

  const ignored = policy({ 'package.json': { ...pj, pnpm: { ignoredBuiltDependencies: ['esbuild'], dangerouslyAllowAllBuilds: false } } }, lockfile('pnpm', '9.0')).policy;
  assert.equal(ignored.decide(esbuild).runs, false);

  const allowAll = policy({ 'package.json': pj, 'pnpm-workspace.yaml': 'dangerouslyAllowAllBuilds: true\n' }, lockfile('pnpm', '9.0')).policy;
  assert.equal(allowAll.decide(esbuild).runs, true);
  assert.match(allowAll.decide(esbuild).reason, /dangerouslyAllowAllBuilds/);

  const pnpm8 = policy({ 'package.json': { name: 'app' } }, lockfile('pnpm', '6.0')).policy.decide(esbuild);
  assert.equal(pnpm8.runs, true);
  assert.equal(pnpm8.certain, true);

  // pnpm 9 with an allow list set: only those run.
  const pnpm9Listed = policy({ 'package.json': { name: 'app', packageManager: 'pnpm@9.15.0', pnpm: { onlyBuiltDependencies: ['sharp'] } } }, lockfile('pnpm', '9.0')).policy;
  assert.equal(pnpm9Listed.decide(esbuild).runs, false);

  const unknown = policy({ 'package.json': { name: 'app' } }, lockfile('pnpm', '9.0')).policy.decide(esbuild);
  assert.equal(unknown.runs, true);
  assert.equal(unknown.certain, false);
  assert.match(unknown.reason, /packageManager/);

  const ignoreAll = policy({ 'package.json': pj, '.npmrc': 'ignore-scripts=true' }, lockfile('pnpm', '9.0')).policy.decide(esbuild);
  assert.equal(ignoreAll.runs, false);
});

test('pnpm settings are read beside the lockfile, and a broken pnpm-workspace.yaml falls back to defaults', () => {
  const files = {
    'apps/web/package.json': { name: 'web', packageManager: 'pnpm@10.0.0' },
    'apps/web/pnpm-workspace.yaml': 'onlyBuiltDependencies: [esbuild]\n',
    'pnpm-workspace.yaml': 'onlyBuiltDependencies: [other]\n',
  };
  assert.equal(policy(files, lockfile('pnpm', '9.0', 'apps/web')).policy.decide(esbuild).runs, true);
  const broken = policy({ 'package.json': { name: 'a', packageManager: 'pnpm@10.0.0' }, 'pnpm-workspace.yaml': 'onlyBuiltDependencies: [esbuild\n  : :' }, lockfile('pnpm', '9.0'));
  assert.equal(broken.policy.decide(esbuild).runs, false);
});

// ------------------------------------------------------------ yarn

test('yarn: classic runs everything; berry obeys enableScripts and dependenciesMeta built: false', () => {
  assert.equal(policy({ 'package.json': { name: 'a' } }, lockfile('yarn-classic', 1)).policy.decide(esbuild).runs, true);

  const text = JSON.stringify({ name: 'a', packageManager: 'yarn@4.1.0', dependenciesMeta: { 'core-js@3.0.0': { built: false } } }, null, 2);
  const berry = policy({ 'package.json': text }, lockfile('yarn-berry', 8)).policy;
  assert.equal(berry.decide({ name: 'core-js', version: '3.0.0', source: 'registry' }).runs, false);
  const d = berry.decide(esbuild);
  assert.equal(d.runs, true);
  const edited = JSON.parse(applyEdits(text, fixEdits(d.fix!)!));
  assert.deepEqual(edited.dependenciesMeta.esbuild, { built: false });
  assert.deepEqual(edited.dependenciesMeta['core-js@3.0.0'], { built: false });

  const off = policy({ 'package.json': { name: 'a' }, '.yarnrc.yml': 'nodeLinker: node-modules\nenableScripts: false\n' }, lockfile('yarn-berry', 8)).policy.decide(esbuild);
  assert.equal(off.runs, false);
  assert.match(off.reason, /enableScripts: false/);
});

// ------------------------------------------------------------ bun

test('bun: trustedDependencies decides; without it, the built-in default list leaves the answer open', () => {
  const text = JSON.stringify({ name: 'a', trustedDependencies: ['sharp', 'esbuild'] }, null, 2);
  const listed = policy({ 'package.json': text }, lockfile('bun', 1)).policy;
  const d = listed.decide(esbuild);
  assert.equal(d.runs, true);
  assert.deepEqual(JSON.parse(applyEdits(text, fixEdits(d.fix!)!)).trustedDependencies, ['sharp']);
  assert.equal(listed.decide({ ...esbuild, name: 'core-js' }).runs, false);

  const open = policy({ 'package.json': { name: 'a' } }, lockfile('bun', 1)).policy.decide(esbuild);
  assert.equal(open.runs, false);
  assert.equal(open.certain, false);
  assert.match(open.reason, /default list/);

  const git = policy({ 'package.json': { name: 'a' } }, lockfile('bun', 1)).policy.decide({ ...esbuild, source: 'git' });
  assert.equal(git.runs, false);
  assert.equal(git.certain, true);
});
