/**
 * One case per former ReDoS (#10 rows 5 and 6): text a hostile repository controls, about
 * 100 KB of it, shaped to make the regex each place used to run backtrack.
 *
 * Not a timed assertion with a tight threshold: each case runs in a worker next to a
 * linear floor (JSON.parse of a string the size of the input), and must finish within a
 * generous bound and within RATIO times the floor. At 100 KB a quadratic algorithm is
 * 10^4 to 10^5 times its floor and the exponential ones never finish (each took minutes to
 * hours before the fix); the linear code stays under 10 times. A worker still running after
 * KILL_AFTER_MS is stopped and the case fails, so a regression cannot hang the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parseLockfile } from '../../server/src/engine/lockfile/index';
import { synthesizeImporters } from '../../server/src/engine/lockfile/yarn-importers';
import { parseManifest } from '../../server/src/engine/manifest/parse-manifest';
import { classifySpec } from '../../server/src/engine/manifest/spec';
import { isExempt, parseDuration, readReleaseAgePolicies } from '../../server/src/engine/policy/release-age';
import { buildProject } from '../../server/src/engine/project';
import { popularNameDetector } from '../../server/src/engine/typosquat/index';
import { lockfileIntegrity } from '../../server/src/engine/rules/lockfile-integrity';
import { allowedHostsFor } from '../../server/src/engine/rules/lockfile-host';
import { defaultSettings } from '../../server/src/engine/model';
import { compileNamePattern, workspaceGlobMatcher } from '../../server/src/engine/glob';

const SIZE = 100_000;
const BOUND_MS = 2_000;
const RATIO = 100;
const KILL_AFTER_MS = 15_000;

interface Case {
  /** Row of the table, the place, and the text. */
  title: string;
  input(): string;
  run(input: string): unknown;
}

/** Folder names of 250 x's (a folder name holds at most 255), enough of them for ~60 KB. */
const xFolders = Array.from({ length: 240 }, (_, i) => `packages/${'x'.repeat(250)}${i}`);

const CASES: Record<string, Case> = {
  yarnClassicHeader: {
    title: 'row 5: yarn.lock of blank lines around a near-header (yarn-classic HEADER regex, exponential)',
    input: () => ' \n'.repeat(190) + '# yarn lockfile v\n' + ' \n'.repeat((SIZE - 400) / 2),
    run: (text) => parseLockfile('yarn.lock', text),
  },
  npmWorkspaceGlobs: {
    title: 'row 6: package-lock packages[""].workspaces "**x**x…y" and "packages/**x…y" (npm globToRegExp)',
    input: () => {
      // Also globs for the matcher's own worst cases: a run of folder patterns that almost
      // matches from every start, and pieces with `?` (searched with Shift-And).
      const workspaces = ['**x'.repeat(12_000) + 'y', 'packages/' + '**x'.repeat(80) + 'y', '**/' + 'a/'.repeat(50) + 'b/**', '**/' + ('*' + 'a?'.repeat(60) + 'b*/').repeat(2) + '**'];
      const packages: Record<string, unknown> = { '': { name: 'root', workspaces } };
      for (const f of xFolders) packages[f] = { version: '1.0.0' };
      for (let i = 0; i < 20; i++) packages['a/'.repeat(98) + i] = { version: '1.0.0' };
      for (let i = 0; i < 10; i++) packages[('a'.repeat(250) + '/').repeat(15) + i] = { version: '1.0.0' };
      return JSON.stringify({ name: 'root', lockfileVersion: 3, packages });
    },
    run: (text) => parseLockfile('package-lock.json', text),
  },
  yarnWorkspaceGlobs: {
    title: 'row 6: package.json workspaces of a yarn classic project: "**x**x…y", "packages/*x*x…y", "a////…x" (yarn-importers compileGlob)',
    input: () => JSON.stringify({ name: 'root', workspaces: ['**x'.repeat(20_000) + 'y', 'packages/' + '*x'.repeat(100) + 'y', 'a' + '/'.repeat(40_000) + 'x'] }),
    run: (rootText) => {
      const lockfile = parseLockfile('yarn.lock', '# yarn lockfile v1\n\n');
      const manifests = [parseManifest('package.json', rootText), ...xFolders.map((f) => parseManifest(`${f}/package.json`, '{"name":"w"}'))];
      return synthesizeImporters({ ...lockfile, descriptors: new Map() }, manifests);
    },
  },
  releaseAgeExclude: {
    title: 'row 6: pnpm-workspace.yaml minimumReleaseAgeExclude "*x*x…y" (release-age globToRegExp)',
    // The short pattern first: the regex of the long one was too large to compile at all.
    input: () => `minimumReleaseAge: 1440\nminimumReleaseAgeExclude:\n  - "${'*x'.repeat(100)}y"\n  - "${'*x'.repeat(SIZE / 2)}y"\n`,
    run: (text) => {
      const [policy] = readReleaseAgePolicies(buildProject([{ path: 'pnpm-workspace.yaml', text }]));
      assert.ok(policy, 'the policy is read');
      for (let i = 0; i < 100; i++) isExempt(policy, 'x'.repeat(200 + i));
    },
  },
  bunfigLine: {
    title: 'row 6: bunfig.toml line of 100 KB of spaces, and an unclosed array (release-age tomlTable)',
    input: () => '[install]\nminimumReleaseAge = 1\n' + ' '.repeat(SIZE / 2) + 'x\nminimumReleaseAgeExcludes = [\n' + '"a",\n'.repeat(SIZE / 10),
    run: (text) => readReleaseAgePolicies(buildProject([{ path: 'bunfig.toml', text }])),
  },
  yarnDuration: {
    title: 'row 6: .yarnrc.yml npmMinimalAgeGate "1<100 KB of spaces>x" (parseDuration)',
    input: () => '1' + ' '.repeat(SIZE) + 'x',
    run: (text) => parseDuration(text),
  },
  specOfSpaces: {
    title: 'row 6: a package.json spec of 100 KB of spaces (spec.ts EXACT_VERSION)',
    input: () => JSON.stringify({ name: 'a', dependencies: { a: ' '.repeat(SIZE) + 'x', b: 'v' + ' '.repeat(SIZE / 2) + 'x' } }),
    run: (text) => parseManifest('package.json', text),
  },
  longScopedName: {
    title: 'row 6: a dependency named "@aaaa…!" (typosquat isPackageName)',
    input: () => '@' + 'a'.repeat(SIZE) + '!',
    run: (name) => popularNameDetector().check(name),
  },
  registryTarballUrl: {
    title: 'row 6: package-lock resolved "https://x/-/a.tgz#a.tgz#…\\n" (npm-source registry tarball regex)',
    input: () => JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/a': { version: '1.0.0', resolved: 'https://x/-/' + 'a.tgz#'.repeat(SIZE / 6) + '\n' } } }),
    run: (text) => parseLockfile('package-lock.json', text),
  },
  berryConditions: {
    title: 'row 6: yarn berry entry without checksum spanning 100 KB of blank lines (lockfile-integrity conditions regex)',
    input: () => '__metadata:\n  version: 8\n  cacheKey: 10\n\n"a@npm:1.0.0":\n  version: 1.0.0\n  resolution: "a@npm:1.0.0"\n' + '\n'.repeat(SIZE) + '  languageName: node\n  linkType: hard\n',
    run: (text) => {
      const project = buildProject([{ path: 'yarn.lock', text }]);
      const findings = lockfileIntegrity.run({ project, settings: defaultSettings(), now: new Date() });
      assert.equal(findings.length, 1, 'the entry is still reported');
    },
  },
  allowedHostsEntry: {
    title: 'row 6: an allowedHosts entry of 100 KB of slashes, a line break and more (lockfile-host normaliseHost)',
    input: () => 'h' + '/'.repeat(SIZE) + '\nx',
    run: (entry) => allowedHostsFor({ project: buildProject([]), settings: { ...defaultSettings(), allowedHosts: [entry] }, now: new Date() }, 'a'),
  },
};

/** The smallest of three timings: the least disturbed by GC and JIT. */
function minTime(f: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

if (!isMainThread) {
  const c = CASES[workerData as string];
  const input = c.input();
  // The floor: JSON.parse of an array holding each character of the input, a linear parse
  // that handles every character as a value.
  const json = JSON.stringify(input.split(''));
  const floorMs = minTime(() => JSON.parse(json));
  const ms = minTime(() => c.run(input));
  parentPort!.postMessage({ ms, floorMs, size: input.length });
} else {
  test('the glob matcher that replaced the regexes reads workspace globs as minimatch 10 does (npm, yarn)', () => {
    // [glob, folder, minimatch(folder + '/package.json', glob + '/package.json')]
    const table: [string, string, boolean][] = [
      ['packages/*', 'packages/a', true],
      ['packages/*', 'packages/a/b', false],
      ['packages/*', 'packages', false],
      ['packages/**', 'packages', true],
      ['packages/**', 'packages/a/b', true],
      ['**', 'x/y', true],
      ['a/**/b', 'a/b', true],
      ['a/**/b', 'a/x/y/b', true],
      ['a/**/b', 'a/xb', false],
      ['a**b', 'axb', true],
      ['a**b', 'a/x/b', false],
      ['**/x', 'x', true],
      ['**/x', 'y/z/x', true],
      ['**/x', 'ax', false],
      ['a?', 'ab', true],
      ['a?', 'a', false],
      ['a?', 'a/b', false],
      ['*/*', 'a/b', true],
      ['*', 'a/b', false],
      ['a*c', 'abbc', true],
      ['a*c', 'ab/c', false],
      ['packages/a*-*', 'packages/a-x-y', true],
    ];
    for (const [glob, folder, expected] of table) assert.equal(workspaceGlobMatcher([glob])(folder), expected, `${glob} ${folder}`);
    // Negation, npm's spellings of the same folder, and folders no file system holds.
    const m = workspaceGlobMatcher(['./packages/*/', '!packages/private', '!!packages/private-ok', 'tools\\*']);
    assert.deepEqual(['packages/a', 'packages/private', 'packages/private-ok', 'tools/x', 'packages/' + 'a'.repeat(256)].map(m), [true, false, true, true, false]);
    // Release-age name patterns: `*` is any run of characters, `/` included; `?` is itself.
    assert.equal(compileNamePattern('@myorg/*')('@myorg/x'), true);
    assert.equal(compileNamePattern('*lodash*')('@types/lodash.merge'), true);
    assert.equal(compileNamePattern('a?')('ab'), false);
    assert.equal(compileNamePattern('a?')('a?'), true);
  });

  for (const [name, c] of Object.entries(CASES)) {
    test(c.title, async () => {
      const { ms, floorMs, size } = await runInWorker(name);
      const ratio = ms / Math.max(floorMs, 0.01);
      console.log(`${name}: ${(size / 1000).toFixed(0)} KB in ${ms.toFixed(1)} ms, ${ratio.toFixed(0)}x the JSON.parse floor (${floorMs.toFixed(2)} ms)`);
      assert.ok(size >= SIZE * 0.9, `the input is about ${SIZE} characters (${size})`);
      assert.ok(ms < BOUND_MS, `${ms.toFixed(0)} ms, over the ${BOUND_MS} ms bound`);
      assert.ok(ratio < RATIO, `${ratio.toFixed(0)} times the linear floor (at most ${RATIO})`);
    });
  }
}

/** Runs a case in a worker (loading TypeScript through tsx), stopping it after KILL_AFTER_MS. */
async function runInWorker(name: string): Promise<{ ms: number; floorMs: number; size: number }> {
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: name });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} still running after ${KILL_AFTER_MS} ms: the input backtracks`)), KILL_AFTER_MS);
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`${name}: worker exited with ${code} before answering`)));
    });
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
