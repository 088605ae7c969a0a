/**
 * Runs the built CLI (`node dist/cli.js scan DIR --format json`) and reads its JSON.
 *
 * The eval talks to the engine only through the CLI's JSON contract (docs/CLI.md): that
 * contract is stable while the engine's internals are being refactored, and a child process
 * per scan keeps one broken scan from taking the whole eval down.
 */
import { spawn } from 'node:child_process';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface CliFinding {
  rule: string;
  severity: Severity;
  package: string | null;
  version: string | null;
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  /** Other places (package.json lines) where the same finding is shown; not separate findings. */
  also?: { file: string }[];
  suppressed?: { reason: string };
}

export interface CliFile {
  path: string;
  kind: 'manifest' | 'lockfile' | string;
  format?: string;
  lockfileVersion?: number | string;
  parsed: boolean;
  packages?: number;
  error?: string;
}

export interface CliReport {
  files: CliFile[];
  findings: CliFinding[];
  summary: { error: number; warning: number; info: number; hint: number; lookupsIncomplete: number };
}

export interface ScanOptions {
  /** Path of the CLI bundle to run. */
  cli: string;
  /** Disk cache shared by every scan of the eval, kept between runs. */
  cacheDir: string;
  offline: boolean;
  /** The child is killed after this long, so that the eval never hangs. */
  timeoutMs: number;
  /** Extra CLI arguments (rule overrides). */
  extraArgs?: string[];
}

export interface ScanOutcome {
  report?: CliReport;
  /** Why there is no report (timeout, exit code, unparsable output). */
  error?: string;
  /** Lines the CLI printed on stderr that say something went wrong inside it. */
  warnings: string[];
  ms: number;
}

export function scanWithCli(dir: string, options: ScanOptions): Promise<ScanOutcome> {
  const args = [options.cli, 'scan', dir, '--format', 'json', '--cache-dir', options.cacheDir, '--fail-on', 'never', '--quiet'];
  if (options.offline) args.push('--offline');
  args.push(...(options.extraArgs ?? []));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const finish = (outcome: Omit<ScanOutcome, 'ms' | 'warnings'>) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      // With --quiet only problems reach stderr (internal rule errors, unreadable --ioc...).
      const warnings = stderr.split('\n').filter((l) => l.trim() !== '');
      resolve({ ...outcome, warnings, ms: Date.now() - started });
    };
    child.on('error', (e) => finish({ error: `could not start the CLI: ${e.message}` }));
    child.on('close', (code) => {
      if (timedOut) return finish({ error: `timed out after ${Math.round(options.timeoutMs / 1000)} s` });
      if (code !== 0) return finish({ error: `the CLI exited with code ${code}` });
      try {
        finish({ report: JSON.parse(Buffer.concat(out).toString('utf8')) as CliReport });
      } catch (e) {
        finish({ error: `the CLI's output is not JSON: ${(e as Error).message}` });
      }
    });
  });
}

export interface UniqueFindings {
  findings: CliFinding[];
  /** Entries dropped because an identical finding (same rule, place, package) was already counted. */
  duplicates: number;
  /** Extra places (`also`) of the counted findings: the Problems panel links them from the one it shows. */
  mirrors: number;
}

/**
 * The findings a user is shown, each counted once. The JSON lists a finding once and puts its
 * mirrored locations (the package.json line of the direct dependency that pulls a locked
 * package in) in `also`, so `also` is counted apart, as mirrors, never as findings. Exact
 * repeats (same rule, file, position, package and version) are dropped as well; there
 * should be none, and the count says if there are. Suppressed findings are not shown.
 */
export function uniqueFindings(report: CliReport): UniqueFindings {
  const seen = new Set<string>();
  const findings: CliFinding[] = [];
  let duplicates = 0;
  let mirrors = 0;
  for (const f of report.findings) {
    if (f.suppressed) continue;
    const key = [f.rule, f.severity, f.file, f.range.start.line, f.range.start.character, f.package ?? '', f.version ?? ''].join('\u0000');
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    findings.push(f);
    mirrors += f.also?.length ?? 0;
  }
  return { findings, duplicates, mirrors };
}

export const isWarningOrError = (f: CliFinding) => f.severity === 'error' || f.severity === 'warning';

export interface LookupGaps {
  /** Packages whose registry data was missing, summed over files. */
  registry: number;
  /** Packages whose advisory data was missing, summed over files. */
  advisories: number;
  /** "registry: offline" -> packages, and so on. */
  reasons: Map<string, number>;
  /** Distinct packages with any gap, as the CLI's summary counts them. */
  packages: number;
}

/**
 * What lookup-incomplete says was missing. Its message ends with the reasons and their
 * counts ("... did not run for them: registry: offline (12), advisories: host not found
 * (758). ..."); a message this does not understand still counts in `packages`.
 */
export function lookupGaps(report: CliReport): LookupGaps {
  const gaps: LookupGaps = { registry: 0, advisories: 0, reasons: new Map(), packages: report.summary.lookupsIncomplete };
  for (const f of report.findings) {
    if (f.rule !== 'lookup-incomplete') continue;
    for (const m of f.message.matchAll(/\b(registry|advisories): (.+?) \((\d+)\)/g)) {
      const n = Number(m[3]);
      if (m[1] === 'registry') gaps.registry += n;
      else gaps.advisories += n;
      const reason = `${m[1]}: ${m[2]}`;
      gaps.reasons.set(reason, (gaps.reasons.get(reason) ?? 0) + n);
    }
  }
  return gaps;
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
