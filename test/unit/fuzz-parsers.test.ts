/**
 * Fuzzing every parser of a file the scanned repository controls (issue #10, "What to
 * build" 8): random text and damaged real files, deep nesting (5,000 levels of JSON arrays
 * and objects, YAML flow collections and compact sequences; 1,000 of YAML and syml
 * indentation), long lines (256 KB of one character) and big but bounded files (~1 MB).
 *
 * Each parser must return (or throw an ordinary Error, which the scan turns into an
 * unparsed file), never overflow the stack (a RangeError, one caught and reported as a
 * parse error, or the process aborting), and stay within bounded time: under RATIO times a
 * linear floor (JSON.parse of an array of the input's characters, measured beside it), which
 * a quadratic parser passes by orders of magnitude at these sizes, and under BOUND_MS; the
 * process's peak resident memory stays under MAX_RSS_MB. Each
 * parser runs in a child process: a case that hangs is killed after KILL_AFTER_MS and one
 * that aborts the process (V8 does when the stack runs out while it compiles a regex) is
 * reported, and the child is started again for the cases after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import fc from 'fast-check';
import { parseLockfile } from '../../server/src/engine/lockfile/index';
import { readYaml } from '../../server/src/engine/lockfile/yaml-subset';
import { yamlLibrary, yarnParsersLibrary } from '../../server/src/engine/lazy-modules';
import { parseSymlFallback } from '../../server/src/engine/lockfile/yarn-syml';
import { parseManifest } from '../../server/src/engine/manifest/parse-manifest';
import { parseNpmrc } from '../../server/src/engine/policy/npmrc';
import { readReleaseAgePolicies } from '../../server/src/engine/policy/release-age';
import { scriptPolicyFor } from '../../server/src/engine/policy/script-policy';
import { parseSuppressions } from '../../server/src/engine/policy/suppressions';
import { buildProject } from '../../server/src/engine/project';

const BOUND_MS = 60_000;
const RATIO = 1_000;
const KILL_AFTER_MS = 120_000;
/** Known faults (todo) that hang are not waited for as long. */
const KILL_KNOWN_AFTER_MS = 15_000;
/** Peak resident memory of a child: the inputs are at most ~1 MB. */
const MAX_RSS_MB = 1_024;
const DEPTH = 5_000;
const LONG = 256 * 1024;
const RANDOM_RUNS = 150;

const FIXTURES = join(__dirname, '../fixtures/lockfiles');
const fixture = (rel: string) => readFileSync(join(FIXTURES, rel), 'utf8');

interface Parser {
  /** What it parses, for the test's title. */
  file: string;
  parse(text: string): unknown;
  /** Real files to damage at random. */
  seeds(): string[];
  /** Inputs a parser outside this change still fails on, and how: reported as todo. */
  knownFaults?: Record<string, string>;
}

const PNPM_SEED = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true

importers:
  .:
    dependencies:
      a:
        specifier: ^1.0.0
        version: 1.0.0

packages:
  a@1.0.0:
    resolution: {integrity: sha512-AAAA}
    engines: {node: '>=14'}
    hasBin: true

snapshots:
  a@1.0.0:
    dependencies:
      b: 2.0.0(c@3.0.0)
    optionalDependencies:
      d: 1.0.0
`;

const CONFIG_SEEDS = [
  'packages:\n  - "packages/*"\nminimumReleaseAge: 1440\nminimumReleaseAgeExclude:\n  - "@myorg/*"\nonlyBuiltDependencies:\n  - esbuild\n',
  "npmMinimalAgeGate: '3d'\nnpmPreapprovedPackages:\n  - react\nenableScripts: false\nnpmScopes:\n  corp:\n    npmRegistryServer: https://npm.corp.example\n",
  '[install]\nminimumReleaseAge = 259200 # 3 days\nminimumReleaseAgeExcludes = ["@types/node", "typescript"]\n',
];

const PARSERS: Record<string, Parser> = {
  manifest: {
    file: 'package.json (manifest parser)',
    parse: (text) => parseManifest('package.json', text),
    seeds: () => [fixture('yarn-classic/package.json'), '{"name":"a","dependencies":{"b":"^1.0.0"},"workspaces":["packages/*"],"overrides":{"c":{"d":"1"}}}'],
  },
  npm: {
    file: 'package-lock.json (v1-v3)',
    parse: (text) => parseLockfile('package-lock.json', text),
    seeds: () => [fixture('npm-v1/package-lock.json'), fixture('npm-v2/package-lock.json'), fixture('npm-v3-workspaces/package-lock.json')],
  },
  yarn: {
    file: 'yarn.lock (classic and berry)',
    parse: (text) => parseLockfile('yarn.lock', text),
    seeds: () => [fixture('yarn-classic/yarn.lock'), fixture('yarn-berry/yarn.lock')],
  },
  yarnFallback: {
    file: 'yarn.lock (full-grammar fall-back, @yarnpkg/parsers)',
    parse: (text) => parseSymlFallback(text),
    seeds: () => [fixture('yarn-classic/yarn.lock'), fixture('yarn-berry/yarn.lock')],
  },
  pnpm: {
    file: 'pnpm-lock.yaml (5-9)',
    parse: (text) => parseLockfile('pnpm-lock.yaml', text),
    seeds: () => [PNPM_SEED],
  },
  yaml: {
    file: 'YAML (subset reader, then the yaml library)',
    parse: (text) => readYaml(text),
    seeds: () => [PNPM_SEED, ...CONFIG_SEEDS.slice(0, 2)],
  },
  bun: {
    file: 'bun.lock',
    parse: (text) => parseLockfile('bun.lock', text),
    seeds: () => [fixture('bun-workspaces/bun.lock'), fixture('bun-v0-alias/bun.lock')],
  },
  npmrc: {
    file: '.npmrc',
    parse: (text) => parseNpmrc([text]),
    seeds: () => ['registry=https://registry.npmjs.org/\n@corp:registry=https://npm.corp.example/\n//npm.corp.example/:_authToken=${NPM_TOKEN}\nmin-release-age=3\n'],
  },
  configFiles: {
    file: 'pnpm-workspace.yaml, .yarnrc.yml and bunfig.toml (package-manager config, release age, script policy)',
    parse: (text) => {
      const project = buildProject([
        { path: 'package.json', text: '{"name":"root"}' },
        { path: 'pnpm-workspace.yaml', text },
        { path: '.yarnrc.yml', text },
        { path: 'bunfig.toml', text },
      ]);
      return [[...(project.packageManagerConfig?.values() ?? [])], readReleaseAgePolicies(project), scriptPolicyFor(project, undefined, 'package.json').packageManager];
    },
    seeds: () => CONFIG_SEEDS,
  },
  suppressions: {
    file: '.depwarden.json',
    parse: (text) => parseSuppressions(text),
    seeds: () => ['{"suppressions":[{"rule":"typosquat","package":"expresss","reason":"ours","expires":"2030-01-01"}]}'],
  },
};

/** Deep nesting in every shape a parser might recurse on. */
function deepInputs(): Record<string, () => string> {
  const D = DEPTH;
  const jsonArray = () => '['.repeat(D) + ']'.repeat(D);
  const jsonObject = () => '{"a":'.repeat(D) + '1' + '}'.repeat(D);
  const ladder = (line: (i: number) => string) => Array.from({ length: 1000 }, (_, i) => line(i)).join('\n') + '\n';
  return {
    'JSON arrays': jsonArray,
    'JSON objects': jsonObject,
    'JSON arrays, unclosed': () => '['.repeat(D),
    'JSON objects, unclosed': () => '{"a":'.repeat(D),
    'package.json dependency value': () => `{"name":"a","dependencies":{"b":${jsonArray()}}}`,
    'package-lock v1 dependencies tree': () => `{"lockfileVersion":1,"dependencies":${'{"a":{"version":"1.0.0","dependencies":'.repeat(D)}{}${'}}'.repeat(D)}}`,
    'package-lock v3 entry, damaged': () => `{"lockfileVersion":3,"packages":{"":${jsonObject()},}`,
    'bun.lock workspace, damaged': () => `{"lockfileVersion":1,"workspaces":{"":${jsonObject()}},"packages":{},}`,
    'YAML flow sequences': () => "lockfileVersion: '9.0'\npackages:\n  a: " + jsonArray() + '\n',
    'YAML flow maps, unclosed': () => "lockfileVersion: '9.0'\npackages:\n  a: " + '{a: '.repeat(D) + '\n',
    'YAML compact sequences': () => "lockfileVersion: '9.0'\npackages:\n  a:\n    " + '- '.repeat(D) + 'x\n',
    'YAML flow in quotes and out': () => '[ "]" '.repeat(D) + '\n',
    'YAML indentation (1,000 levels)': () => ladder((i) => ' '.repeat(i) + 'a:'),
    'yarn berry entry': () => '__metadata:\n  version: 8\n\n"a@npm:1.0.0":\n  a: ' + '['.repeat(D) + '\n',
    'yarn classic indentation (1,000 levels)': () => '# yarn lockfile v1\n\n' + ladder((i) => ' '.repeat(2 * i) + `a${i}:`),
    'TOML arrays': () => '[install]\nminimumReleaseAgeExcludes = ' + '['.repeat(D) + '\n',
  };
}

/** One line of LONG characters of each kind that quoting, escaping, indentation or comments treat specially. */
function longLineInputs(): Record<string, () => string> {
  const out: Record<string, () => string> = {};
  const units = { letters: 'a', spaces: ' ', tabs: '\t', quotes: '"', 'single quotes': "'", backslashes: '\\', braces: '{', brackets: ']', colons: ':', hashes: '#', dashes: '- ', commas: ',', 'carriage returns': '\r', 'NUL bytes': '\u0000', emoji: '\u{1F600}', 'lone surrogates': '\uD800', 'dollar braces': '${' };
  for (const [name, unit] of Object.entries(units)) out[`a line of ${name}`] = () => unit.repeat(Math.ceil(LONG / unit.length));
  out['a key of 256 KB'] = () => 'a'.repeat(LONG) + ':\n  b: c\n';
  out['a yarn key of 256 KB'] = () => '# yarn lockfile v1\n\n"a@' + 'x'.repeat(LONG) + '":\n  version "1.0.0"\n';
  out['a JSON string of 256 KB'] = () => `{"lockfileVersion":3,"name":"${'x'.repeat(LONG)}","packages":{"":{}}}`;
  return out;
}

/** About 1 MB of regular text each parser family reads line by line or entry by entry. */
function bigInputs(): Record<string, () => string> {
  const n = 20_000;
  const range = () => Array.from({ length: n }, (_, i) => i);
  return {
    'YAML map of 20,000 entries': () => range().map((i) => `k${i}: v${i}`).join('\n') + '\n',
    'YAML of 20,000 error lines': () => '!odd\n' + ']]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n'.repeat(n),
    'yarn classic of 20,000 entries': () => '# yarn lockfile v1\n\n' + range().map((i) => `"p${i}@^1.0.0":\n  version "1.0.${i}"\n  resolved "https://registry.yarnpkg.com/p${i}/-/p${i}-1.0.${i}.tgz"\n`).join('\n'),
    'package-lock of 20,000 entries': () => JSON.stringify({ lockfileVersion: 3, packages: Object.fromEntries([['', {}], ...range().map((i) => [`node_modules/p${i}`, { version: '1.0.0', resolved: `https://registry.npmjs.org/p${i}/-/p${i}-1.0.0.tgz` }])]) }),
    '.npmrc of 20,000 lines': () => range().map((i) => `key${i}=\${VAR${i}}\\\\\\`).join('\n'),
  };
}

/** Every hostile input by name ('random' is the fast-check run), in a fixed order. */
const CASES: [string, (() => string) | null][] = [
  ...Object.entries(deepInputs()).map(([k, v]): [string, () => string] => [`deep: ${k}`, v]),
  ...Object.entries(longLineInputs()).map(([k, v]): [string, () => string] => [`long: ${k}`, v]),
  ...Object.entries(bigInputs()).map(([k, v]): [string, () => string] => [`big: ${k}`, v]),
  ['random text and damaged files', null],
];

interface Outcome {
  input: string;
  ms: number;
  floorMs?: number;
  /** Why the outcome is wrong, when it is. */
  fault?: string;
  /** The child's peak resident memory so far. */
  peakMb?: number;
}

function peakMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** A stack overflow, thrown or caught and reported in the result. */
function faultOf(run: () => unknown): string | undefined {
  let result: unknown;
  try {
    result = run();
  } catch (e) {
    if (e instanceof RangeError) return `threw ${e.name}: ${e.message}`;
    return undefined; // an ordinary error: the scan reports the file unparsed
  }
  const text = JSON.stringify(result, (_k, v) => (v instanceof Map ? [...v.entries()].slice(0, 100) : v)) ?? '';
  const m = /Maximum call stack[^"]*|internal error[^"]*/.exec(text);
  return m ? `reported "${m[0]}"` : undefined;
}

function floorOf(text: string): number {
  const json = JSON.stringify(text.split(''));
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    JSON.parse(json);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** Random text, and real files damaged at random (spliced, cut, bytes replaced): the faults found. */
function fuzzRandom(parser: Parser): Outcome {
  const faults: string[] = [];
  const started = performance.now();
  const seeds = parser.seeds();
  const damaged = fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 64 }), fc.string({ maxLength: 32, unit: 'binary' })), { minLength: 1, maxLength: 8 }))
    .map(([seed, edits]) => edits.reduce((s, [at, del, ins]) => s.slice(0, at % (s.length + 1)) + ins + s.slice((at % (s.length + 1)) + del), seed));
  const syntax = fc.constantFrom('{', '}', '[', ']', '"', "'", ':', ',', '-', ' ', '\n', '\t', '#', '\\', 'a', '@', '/');
  const random = fc.oneof(fc.string({ maxLength: 4000, unit: 'binary' }), fc.string({ maxLength: 4000, unit: syntax }), damaged);
  fc.assert(
    fc.property(random, (text) => {
      const t = performance.now();
      const fault = faultOf(() => parser.parse(text));
      const ms = performance.now() - t;
      // 4,000 characters: a second is far beyond any linear reading of them.
      if (fault || ms > 1000) faults.push(`${JSON.stringify(text.slice(0, 120))}: ${fault ?? `${ms.toFixed(0)} ms`}`);
    }),
    { numRuns: RANDOM_RUNS, seed: 10 },
  );
  return { input: 'random', ms: performance.now() - started, fault: faults.length ? faults.slice(0, 5).join('; ') : undefined };
}

/** In the child: runs the cases of one parser from `first` on, sending each outcome as it lands. */
function runChild(name: string, first: number): void {
  const parser = PARSERS[name];
  // Libraries the parsers load on first use (engine/lazy-modules.ts) load here, not in the first timed case.
  yamlLibrary();
  yarnParsersLibrary();
  for (let i = first; i < CASES.length; i++) {
    process.send!({ running: i });
    const [input, make] = CASES[i];
    if (make === null) {
      process.send!({ outcome: { ...fuzzRandom(parser), input, peakMb: peakMb() } });
      continue;
    }
    const text = make();
    const t = performance.now();
    const fault = faultOf(() => parser.parse(text));
    const ms = performance.now() - t;
    process.send!({ outcome: { input, ms, fault, floorMs: floorOf(text), peakMb: peakMb() } });
  }
}

const role = process.env.DEPWARDEN_FUZZ_PARSER;
if (role) {
  runChild(role, Number(process.env.DEPWARDEN_FUZZ_FIRST ?? 0));
  process.disconnect();
} else {
  for (const [name, parser] of Object.entries(PARSERS)) {
    const known = parser.knownFaults ?? {};
    let outcomes: Outcome[] = [];
    test(`fuzz: ${parser.file}`, async () => {
      outcomes = await inChildren(name);
      const faults = outcomes.filter((o) => !(o.input in known)).flatMap(faultsOf);
      const slowest = [...outcomes].sort((a, b) => b.ms - a.ms)[0];
      console.log(`${name}: ${outcomes.length} cases, slowest ${slowest?.input} ${slowest?.ms.toFixed(0)} ms`);
      assert.deepEqual(faults, []);
    });
    for (const [input, why] of Object.entries(known)) {
      test(`fuzz: ${parser.file}: ${input}`, { todo: why }, () => {
        const o = outcomes.find((x) => x.input === input);
        assert.ok(o, 'the case ran');
        assert.deepEqual(faultsOf(o), []);
      });
    }
  }
}

function faultsOf(o: Outcome): string[] {
  const ratio = o.floorMs !== undefined ? o.ms / Math.max(o.floorMs, 0.01) : undefined;
  if (o.fault) return [`${o.input}: ${o.fault}`];
  if (o.ms > BOUND_MS) return [`${o.input}: ${o.ms.toFixed(0)} ms`];
  if (ratio !== undefined && ratio > RATIO) return [`${o.input}: ${ratio.toFixed(0)} times the floor (${o.ms.toFixed(0)} ms)`];
  if (o.peakMb !== undefined && o.peakMb > MAX_RSS_MB) return [`${o.input}: ${o.peakMb.toFixed(0)} MB resident`];
  return [];
}

/**
 * Runs a parser's cases in child processes (TypeScript through tsx): a case still running
 * after KILL_AFTER_MS, or one during which the process died, is a fault, and a new child
 * goes on with the next case.
 */
async function inChildren(name: string): Promise<Outcome[]> {
  const known = PARSERS[name].knownFaults ?? {};
  const outcomes: Outcome[] = [];
  let first = 0;
  while (first < CASES.length) {
    const child = fork(__filename, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, DEPWARDEN_FUZZ_PARSER: name, DEPWARDEN_FUZZ_FIRST: String(first) }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let running = first;
    let timer: NodeJS.Timeout | undefined;
    const killAfter = () => (CASES[running][0] in known ? KILL_KNOWN_AFTER_MS : KILL_AFTER_MS);
    const restart = () => {
      clearTimeout(timer);
      timer = setTimeout(() => child.kill('SIGKILL'), killAfter());
    };
    restart();
    child.stderr!.resume();
    child.on('message', (m: { running?: number; outcome?: Outcome }) => {
      if (m.running !== undefined) {
        running = m.running;
        restart();
      }
      if (m.outcome) outcomes.push(m.outcome);
    });
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s })));
    clearTimeout(timer);
    const finished = outcomes.some((o) => o.input === CASES[running][0]);
    if (code === 0 && finished && running === CASES.length - 1) break;
    if (!finished) {
      const how = signal === 'SIGKILL' ? `still running after ${killAfter()} ms` : `the process died (exit ${code ?? signal})`;
      outcomes.push({ input: CASES[running][0], ms: NaN, fault: how });
    }
    first = running + 1;
  }
  return outcomes;
}
