/**
 * `npm run eval`: how noisy depwarden is on real benign projects, and how many real attacks
 * it catches. See eval/README.md.
 *
 *   npm run eval                      # both parts, registry data through .eval-cache/
 *   npm run eval -- --offline         # only what .eval-cache/ holds; says what is missing
 *   npm run eval -- --only noise      # or --only recall
 *   npm run eval -- --projects theia-npm-v3,babel-yarn-berry
 *
 * It never installs or runs a package: it writes lockfiles and package.json files and lets
 * the CLI read them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { corpusProjects, measureNoise, perThousand, type NoiseResult } from './noise';
import { measureRecall, readIncidents, TAKEDOWN_RULES, type RecallResult } from './recall';
import type { ScanOptions } from './scan';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '../shared/corpus/lockfiles');
// Lockfiles freshly written by npm, pnpm, yarn and bun (<manager>/<project>): measured apart
// from the corpus, so that the corpus numbers stay comparable with the baseline.
const FRESH = path.join(ROOT, 'test/fixtures/fresh-lockfiles');
const CACHE_DIR = path.join(ROOT, '.eval-cache');
const OUT_FILE = path.join(__dirname, 'last-run.json');
const REGISTRY = 'https://registry.npmjs.org/';
// The CLI's default advisory API (docs/CLI.md).
const ADVISORIES = 'https://api.osv.dev/';

// A corpus project of 4,000 names takes a few minutes uncached; a warm one seconds.
const PROJECT_TIMEOUT_MS = 20 * 60_000;
const INCIDENT_TIMEOUT_MS = 3 * 60_000;
const PROBE_TIMEOUT_MS = 5_000;

// The corpus holds only package.json files and lockfiles, no source code: "never imported"
// would be an artefact of the copy, so unused-dependency is off for every scan here.
const RULE_OVERRIDES = ['--rule', 'unused-dependency=off'];

interface Args {
  offline: boolean;
  only?: 'noise' | 'recall';
  projects: string[];
  concurrency: number;
  keep: boolean;
  /** A CLI bundle to measure instead of dist/cli.js (e.g. one built from a given commit). */
  cli?: string;
  cacheDir: string;
}

const USAGE = `Usage: npm run eval -- [--offline] [--only noise|recall] [--projects a,b] [--concurrency N] [--keep] [--cli FILE] [--cache-dir DIR]
  --offline        use only the disk cache (.eval-cache/); missing registry data is reported
  --only PART      run only the noise (corpus) or the recall (incidents) part
  --projects LIST  corpus folders to scan (default: all of ../shared/corpus/lockfiles)
  --concurrency N  incident scans at once (default 4)
  --keep           keep the temporary incident projects and print where they are
  --cli FILE       measure this CLI bundle instead of dist/cli.js
  --cache-dir DIR  registry cache to use and fill (default .eval-cache/)
`;

function parseArgs(argv: string[]): Args {
  const args: Args = { offline: false, projects: [], concurrency: 4, keep: false, cacheDir: CACHE_DIR };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--offline') args.offline = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--only' && (argv[i + 1] === 'noise' || argv[i + 1] === 'recall')) args.only = argv[++i] as Args['only'];
    else if (a === '--projects' && argv[i + 1]) args.projects = argv[++i].split(',').filter(Boolean);
    else if (a === '--concurrency' && Number(argv[i + 1]) >= 1) args.concurrency = Math.floor(Number(argv[++i]));
    else if (a === '--cli' && argv[i + 1]) args.cli = path.resolve(argv[++i]);
    else if (a === '--cache-dir' && argv[i + 1]) args.cacheDir = path.resolve(argv[++i]);
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else {
      process.stderr.write(`eval: unknown or incomplete argument "${a}"\n\n${USAGE}`);
      process.exit(2);
    }
  }
  return args;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
/** A path as short as it can be said: relative inside the checkout, absolute outside. */
const shown = (p: string) => (p.startsWith(ROOT + path.sep) ? path.relative(ROOT, p) : p);

/** dist/cli.js, built once if it is missing (other sessions rebuild it often; a build may briefly fail). */
function ensureCli(): string {
  const cli = path.join(ROOT, 'dist/cli.js');
  for (let attempt = 1; !existsSync(cli) && attempt <= 2; attempt++) {
    log(`eval: ${cli} is missing, running npm run build (attempt ${attempt})`);
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0 && attempt === 1) spawnSync('sleep', ['60']);
  }
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing and npm run build did not produce it');
  return cli;
}

/**
 * A private copy of the CLI: every scan of one run uses the same build even if dist/ is
 * rebuilt meanwhile. cli.js is a launcher that loads its siblings (cli-main.js, undici.js
 * behind a proxy, the typosquat tables in typosquat-index.bin), so every .js and .bin
 * file beside it is copied with it.
 */
async function snapshotCli(cli: string, dir: string): Promise<{ path: string; sha256: string; builtAt: string }> {
  const hash = createHash('sha256');
  const from = path.dirname(cli);
  const siblings = (await fs.readdir(from)).filter((f) => f.endsWith('.js') || f.endsWith('.bin')).sort();
  for (const name of siblings) {
    const text = await fs.readFile(path.join(from, name));
    hash.update(name).update(text);
    await fs.writeFile(path.join(dir, name === path.basename(cli) ? 'cli.js' : name), text);
  }
  return { path: path.join(dir, 'cli.js'), sha256: hash.digest('hex'), builtAt: statSync(cli).mtime.toISOString() };
}

/** Whether the host answers at all (any HTTP status below 500). */
async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return res.status < 500;
  } catch {
    return false;
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

async function knownRuleIds(): Promise<Set<string>> {
  const pages = await fs.readdir(path.join(ROOT, 'docs/rules')).catch(() => [] as string[]);
  return new Set(pages.filter((p) => p.endsWith('.md')).map((p) => p.slice(0, -3)));
}

// ---------------------------------------------------------------------------------------
// Printing: Markdown tables, so that the output can be pasted into eval/README.md as is.

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  // Numbers (and the "-" of "no value") line up on the right, text on the left.
  const numeric = header.map((_, c) => cells.slice(1).every((r) => /^(-?[\d.,]+%?|-|)$/.test(r[c])) && cells.slice(1).some((r) => r[c] !== ''));
  const line = (r: string[]) => `| ${r.map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (numeric[c] ? `${'-'.repeat(w + 1)}:` : `-${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(header), rule, ...cells.slice(1).map(line)].join('\n');
}

const fixed1 = (n: number) => n.toFixed(1);
const percent = (n: number, of: number) => (of ? `${Math.round((n * 100) / of)}%` : '-');

function printNoise(noise: NoiseResult, what = 'corpus'): string {
  const out: string[] = [];
  const rows = noise.projects.map((p) =>
    p.error
      ? [p.project, '-', 0, '-', '-', '-', '-', '-', `no result: ${p.error}`]
      : [
          p.project,
          p.lockfiles.join(', '),
          p.packages,
          p.errors,
          p.warnings,
          fixed1(perThousand(p.errors + p.warnings, p.packages)),
          p.mirrors,
          p.lookups.registry,
          p.unparsed.length ? `unparsed: ${p.unparsed.join('; ')}` : '',
        ],
  );
  const measured = noise.projects.filter((p) => !p.error);
  const sum = (f: (p: (typeof measured)[number]) => number) => measured.reduce((n, p) => n + f(p), 0);
  rows.push(['**total**', '', noise.packages, sum((p) => p.errors), sum((p) => p.warnings), fixed1(noise.perThousand), sum((p) => p.mirrors), sum((p) => p.lookups.registry), '']);
  out.push(`### Noise per ${what} project`);
  out.push('');
  out.push(table(['project', 'lockfile', 'packages', 'errors', 'warnings', 'e+w per 1,000', 'mirrored copies', 'registry data missing', 'notes'], rows));
  out.push('');
  out.push(`### Noise per rule (errors + warnings over the scanned ${what} packages)`);
  out.push('');
  const ruleRows = Object.entries(noise.byRule)
    .sort((a, b) => b[1].error + b[1].warning - (a[1].error + a[1].warning) || (a[0] < b[0] ? -1 : 1))
    .map(([rule, c]) => [rule, c.error, c.warning, c.error + c.warning, fixed1(c.perThousand)]);
  ruleRows.push(['**total**', sum((p) => p.errors), sum((p) => p.warnings), noise.errorsAndWarnings, fixed1(noise.perThousand)]);
  out.push(table(['rule', 'errors', 'warnings', 'errors+warnings', 'per 1,000 packages'], ruleRows));
  out.push('');
  out.push(
    `**Total: ${noise.errorsAndWarnings} errors+warnings over ${noise.packages} packages = ${fixed1(noise.perThousand)} per 1,000 packages** ` +
      `(each finding counted once, as the Problems panel shows it; its ${sum((p) => p.mirrors)} other places, package.json lines and lockfile entries, are related information, listed apart).`,
  );
  const reasons = new Map<string, number>();
  for (const p of measured) for (const [r, n] of Object.entries(p.lookups.reasons)) reasons.set(r, (reasons.get(r) ?? 0) + n);
  if (reasons.size) out.push(`Lookups missing (packages, summed over lockfiles): ${[...reasons].map(([r, n]) => `${r} (${n})`).join(', ')}.`);
  const dropped = sum((p) => p.duplicatesDropped);
  if (dropped) out.push(`${dropped} exact repeats of a finding were dropped.`);
  for (const p of noise.projects) for (const w of p.cliWarnings) out.push(`CLI said on ${p.project}: ${w}`);
  return out.join('\n');
}

function printRecall(recall: RecallResult, knownRules: Set<string>): string {
  const out: string[] = [];
  out.push('### Recall by attack kind');
  out.push('');
  const rows = recall.byKind.map((k) => [k.kind, k.incidents, k.detected, percent(k.detected, k.incidents), k.detectedWithoutTakedown, percent(k.detectedWithoutTakedown, k.incidents)]);
  rows.push(['**all**', recall.incidents, recall.detected, percent(recall.detected, recall.incidents), recall.detectedWithoutTakedown, percent(recall.detectedWithoutTakedown, recall.incidents)]);
  out.push(table(['attack kind', 'incidents', 'detected', 'recall', 'detected without takedown rules', 'recall without takedown rules'], rows));
  out.push('');
  out.push(`"Takedown rules" (${[...TAKEDOWN_RULES].join(', ')}) fire because npm has already removed the package or version.`);
  const byRule = new Map<string, number>();
  for (const r of recall.results) {
    if (!r.detected) continue;
    for (const f of r.fired) {
      const rule = f.replace(/ \(.*\)$/, '');
      if (r.incident.expect.includes(rule) && /\((error|warning)\)$/.test(f)) byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
    }
  }
  out.push(`Detections by rule (an incident can count under several): ${[...byRule].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}.`);
  const unknown = [...new Set(recall.results.flatMap((r) => r.incident.expect))].filter((id) => !knownRules.has(id)).sort();
  if (unknown.length) out.push(`Expected rule ids with no docs/rules page yet (not implemented): ${unknown.join(', ')}.`);
  const withoutRegistry = recall.results.filter((r) => r.lookupGaps.some((g) => g.startsWith('registry:'))).length;
  if (withoutRegistry) out.push(`Registry data was missing for ${withoutRegistry} of ${recall.incidents} incidents (see "lookups missing" below): their results say only what the local rules see.`);
  const missed = recall.results.filter((r) => !r.detected);
  out.push('');
  out.push(`### Missed (${missed.length})`);
  out.push('');
  for (const r of missed) {
    const what = r.error ? `no result: ${r.error}` : r.fired.length ? `fired instead: ${r.fired.join(', ')}` : 'no finding about the package';
    const gaps = r.lookupGaps.length ? `; lookups missing: ${r.lookupGaps.join(', ')}` : '';
    out.push(`- ${r.incident.name}@${r.incident.version ?? '*'} (${r.incident.kind}; expected ${r.incident.expect.join('|')}): ${what}${gaps}`);
  }
  return out.join('\n');
}

/** test/fixtures/fresh-lockfiles/<manager>/<project>, as "<manager>/<project>". */
async function freshProjects(): Promise<string[]> {
  const out: string[] = [];
  for (const manager of await corpusProjects(FRESH, [])) for (const project of await corpusProjects(path.join(FRESH, manager), [])) out.push(`${manager}/${project}`);
  return out;
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cli = args.cli ?? ensureCli();
  const work = await fs.mkdtemp(path.join(tmpdir(), 'depwarden-eval-'));
  try {
    const snapshot = await snapshotCli(cli, work);
    let offline = args.offline;
    if (!offline && !(await reachable(REGISTRY))) {
      log(`eval: ${REGISTRY} is not reachable: running offline, on what ${shown(args.cacheDir)}/ holds`);
      offline = true;
    }
    // Where the advisory API cannot be reached (as on the development machines), every scan
    // would spend seconds on retries that must fail: ask it only when it answers, and say so.
    // Offline, the CLI asks nothing anyway and uses whatever advisory answers the cache holds.
    const advisories = offline || (await reachable(ADVISORIES));
    const extraArgs = [...RULE_OVERRIDES, ...(advisories ? [] : ['--no-advisories'])];
    const options: ScanOptions = { cli: snapshot.path, cacheDir: args.cacheDir, offline, timeoutMs: PROJECT_TIMEOUT_MS, extraArgs };
    const commit = git(['rev-parse', 'HEAD']);
    // dist/cli.js may hold uncommitted work of the checkout; a --cli bundle says where it came from itself.
    const uncommitted = args.cli ? 0 : git(['status', '--porcelain', '--', 'server', 'client']).split('\n').filter(Boolean).length;
    const header = [
      `depwarden eval, ${new Date().toISOString().slice(0, 10)}, commit ${commit.slice(0, 12) || 'unknown'}` +
        (uncommitted ? ` (+${uncommitted} uncommitted changes under server/ and client/)` : ''),
      `${args.cli ?? 'dist/cli.js'} built ${snapshot.builtAt}, sha256 ${snapshot.sha256.slice(0, 12)}; registry data: ${offline ? 'disk cache only (offline)' : `${REGISTRY} through the disk cache`} ${shown(args.cacheDir)}/`,
      offline
        ? 'advisories: cached answers only (offline)'
        : advisories
          ? `advisories: ${ADVISORIES}`
          : `advisories: not asked (${ADVISORIES} is not reachable): known-malware and known-vulnerability from OSV could not fire`,
    ];
    const sections: string[] = [header.join('\n')];
    let noise: NoiseResult | undefined;
    let freshNoise: NoiseResult | undefined;
    let recall: RecallResult | undefined;

    if (args.only !== 'recall') {
      const projects = await corpusProjects(CORPUS, args.projects);
      log(`eval: noise: scanning ${projects.length} corpus projects`);
      noise = await measureNoise(CORPUS, projects, options, log);
      sections.push(printNoise(noise));
      if (args.projects.length === 0) {
        const fresh = await freshProjects();
        log(`eval: noise: scanning ${fresh.length} freshly written lockfiles`);
        freshNoise = await measureNoise(FRESH, fresh, options, log);
        sections.push(printNoise(freshNoise, 'freshly written lockfile'));
      }
    }
    if (args.only !== 'noise') {
      const incidents = await readIncidents(path.join(__dirname, 'incidents.json'));
      log(`eval: recall: scanning ${incidents.length} incidents, ${args.concurrency} at a time`);
      recall = await measureRecall(incidents, path.join(work, 'incidents'), { ...options, timeoutMs: INCIDENT_TIMEOUT_MS }, args.concurrency, log);
      sections.push(printRecall(recall, await knownRuleIds()));
    }
    process.stdout.write(sections.join('\n\n') + '\n');

    const run = {
      date: new Date().toISOString(),
      commit,
      uncommittedChangesUnderServerAndClient: uncommitted,
      cli: { file: args.cli ?? 'dist/cli.js', sha256: snapshot.sha256, builtAt: snapshot.builtAt },
      offline,
      advisories,
      cliArguments: extraArgs,
      noise,
      freshNoise,
      recall,
    };
    await fs.writeFile(OUT_FILE, JSON.stringify(run, null, 2) + '\n');
    log(`eval: numbers written to ${shown(OUT_FILE)}`);
    if (args.keep) log(`eval: incident projects kept in ${work}`);
  } finally {
    if (!args.keep) await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`eval: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 2;
});
