import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { discoverProjectFiles } from '../engine/discover';
import { defaultSettings, SEVERITY_ORDER, type Settings } from '../engine/model';
import { scanFiles } from '../engine/scan';
import { buildProject, ParseCache } from '../engine/project';
import { fetchRemoteData } from '../engine/data/fetch-remote';
import { lookupProgress, type ProgressStream } from './progress';
import { createCache, defaultCacheDir } from '../engine/data/cache';
import { parseIocList, mergeIocLists } from '../engine/data/ioc';
import { readOuterNpmrc } from '../engine/data/npmrc-files';
import { countIncompletePackages, evaluateTargets } from '../engine/data/targets';
import type { IocList } from '../engine/data/remote-data';
import type { CliIo, ScanOutcome } from './scan-outcome';
import { runDiff } from './diff';
import { parseArgs, UsageError, USAGE, type CliOptions } from './args';
import { activeFindings, toJson, toSarif, toText, TOOL_VERSION, type Report } from './report';
import { cleanText } from '../engine/text/untrusted';
import { runAuditCommand } from './audit';
import { auditProject } from './scan-audit';
import { describePolicy, PROJECT_CONFIG_FILE } from '../engine/policy/project-config';

/**
 * One line on stderr. Error messages and progress quote paths, file contents and rule
 * errors (which can quote registry text): control characters escaped, length bounded.
 */
function warn(io: CliIo, msg: string): void {
  io.stderr.write(`depwarden: ${cleanText(msg)}\n`);
}

/** Discovers, fetches registry/advisory data, and scans; a number is an exit code (usage or I/O error). */
export async function runScanPipeline(options: CliOptions, io: CliIo): Promise<ScanOutcome | number> {
  const root = path.resolve(options.dir);
  try {
    const stat = await fs.stat(root);
    if (!stat.isDirectory()) throw new Error('not a directory');
  } catch (e) {
    warn(io, `cannot scan ${root}: ${(e as Error).message}`);
    return 2;
  }
  const progress = (msg: string) => {
    if (!options.quiet) warn(io, msg);
  };
  // Source files are read (for unused-dependency's usage index) only when the rule can run.
  const discovered = await discoverProjectFiles(root, { indexSources: options.rules['unused-dependency'] !== 'off' });
  const { usage } = discovered;
  // A change under review can carry its own .depwarden.json that turns rules off or
  // suppresses what it adds; CI on such changes ignores it (the output says so).
  const ignoredConfig = options.noProjectConfig && discovered.files.some((f) => f.path === PROJECT_CONFIG_FILE);
  const files = options.noProjectConfig ? discovered.files.filter((f) => f.path !== PROJECT_CONFIG_FILE) : discovered.files;
  progress(`${files.length} files found under ${root}`);
  const settings: Settings = { ...defaultSettings(), rules: options.rules, offline: options.offline };
  if (options.registry) settings.registry = options.registry;
  if (options.advisories !== undefined) settings.advisories = options.advisories;
  if (options.malwareFeeds.length) settings.malwareFeeds = options.malwareFeeds;
  if (options.publicRegistries.length) settings.publicRegistries = options.publicRegistries;
  // Flags win over the project's .depwarden.json, which buildProject applies beneath them.
  settings.overrides = {
    rules: options.rules,
    ...(options.cooldownDays !== undefined ? { cooldownDays: options.cooldownDays } : {}),
    ...(options.newPackageDays !== undefined ? { newPackageDays: options.newPackageDays } : {}),
    allowedHosts: options.allowedHosts,
    typosquatAllow: options.typosquatAllow,
    malwareFeeds: options.malwareFeeds,
  };
  const iocLists: IocList[] = [];
  for (const file of options.ioc) {
    let text: string;
    try {
      text = await fs.readFile(path.resolve(file), 'utf8');
    } catch (e) {
      warn(io, `cannot read --ioc ${file}: ${(e as Error).message}`);
      return 2;
    }
    const parsed = parseIocList(text);
    for (const r of parsed.rejected) warn(io, `${file}:${r.line}: not a name@version: ${r.text}`);
    iocLists.push(parsed.iocs);
  }
  // Registry and advisory data first (the rules are synchronous), from the disk cache where fresh.
  const projectOptions = { outerNpmrc: await readOuterNpmrc(), env: process.env, cache: new ParseCache(), usage, settings };
  const project = buildProject(files, projectOptions);
  const policy = project.config?.present ? describePolicy(project.config) : undefined;
  if (policy) progress(`policy: ${PROJECT_CONFIG_FILE}${policy.length ? ` (${policy.join(', ')})` : ''}`);
  if (ignoredConfig) progress(`policy: ${PROJECT_CONFIG_FILE} ignored (--no-project-config)`);
  const cache = createCache(options.cacheDir ? path.resolve(options.cacheDir) : defaultCacheDir());
  // A bar redrawn in place on a terminal; the same lines as always in logs and pipes.
  const shown = options.quiet ? undefined : lookupProgress(io.stderr as ProgressStream, progress);
  const remote = await fetchRemoteData(project, settings, {
    cache,
    iocs: mergeIocLists(...iocLists),
    // HTTPS_PROXY / HTTP_PROXY / NO_PROXY, after .npmrc's proxy keys, as npm reads them.
    env: process.env,
    onProgress: ({ done, total }) => shown?.update(done, total),
  });
  shown?.end();
  progress(`${remote.requests} network request${remote.requests === 1 ? '' : 's'}${settings.offline ? ' (offline)' : ''}`);
  if (options.audit) await auditProject(project, settings, remote, cache, options.audit, progress);
  const result = scanFiles(files, { ...projectOptions, settings, remote, project });
  for (const e of result.ruleErrors) warn(io, `internal error in rule ${e.rule}: ${e.message}`);
  progress(`${result.files.length} files parsed, ${result.findings.length} findings`);
  const report: Report = { root, files: result.files, findings: result.findings, texts: result.project.texts, lookupsIncomplete: countIncompletePackages(result.targets ?? evaluateTargets(result.project, settings, remote)) };
  if (policy) report.policy = { file: PROJECT_CONFIG_FILE, applied: policy };
  if (ignoredConfig) report.policy = { file: PROJECT_CONFIG_FILE, applied: [], ignored: true };
  return { root, report, result, remote };
}

/** Runs the CLI; returns the exit code (0 clean, 1 findings at/above --fail-on, 2 usage or scan error). */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // `audit` has its own options (a package, not a folder): parsed in audit.ts.
  if (argv[0] === 'audit') return runAuditCommand(argv.slice(1), io);
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`depwarden: ${cleanText(e.message)}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (options.command === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (options.command === 'version') {
    io.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  const scanned = await runScanPipeline(options, io);
  if (typeof scanned === 'number') return scanned;
  const { report } = scanned;
  if (options.command === 'diff') return runDiff(options, scanned, io);
  const colour = options.format === 'text' && Boolean((io.stdout as NodeJS.WriteStream).isTTY) && !process.env.NO_COLOR;
  io.stdout.write(options.format === 'json' ? toJson(report) : options.format === 'sarif' ? toSarif(report) : toText(report, colour));
  if (options.failOn === 'never') return 0;
  const bar = SEVERITY_ORDER[options.failOn];
  return activeFindings(report).some((f) => SEVERITY_ORDER[f.severity] >= bar) ? 1 : 0;
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      // A crash's stack is many lines; each is cleaned (its message may quote hostile text).
      process.stderr.write(`depwarden: ${String((e as Error).stack ?? e).split('\n').map((l) => cleanText(l)).join('\n')}\n`);
      process.exitCode = 2;
    },
  );
}
