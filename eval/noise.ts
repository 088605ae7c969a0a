/**
 * Noise: errors and warnings on real, benign projects (the lockfile corpus), per project and
 * per rule, and per 1,000 locked packages. Every one of them is a false alarm, since no corpus
 * project locks a malicious version (as far as anyone knows).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isWarningOrError, lookupGaps, scanWithCli, uniqueFindings, type ScanOptions } from './scan';

export interface RuleCount {
  error: number;
  warning: number;
}

export interface ProjectNoise {
  project: string;
  /** "npm v3", "yarn-classic", ... of each lockfile. */
  lockfiles: string[];
  /** Distinct name@version pairs the lockfiles install (the CLI's `packages`). */
  packages: number;
  errors: number;
  warnings: number;
  /** Other places of the errors and warnings (`also`): related information in the Problems panel, shown apart only with depwarden.lockfileFindings `both`. */
  mirrors: number;
  duplicatesDropped: number;
  byRule: Record<string, RuleCount>;
  lookups: { registry: number; advisories: number; packages: number; reasons: Record<string, number> };
  unparsed: string[];
  cliWarnings: string[];
  seconds: number;
  /** Set when the scan did not produce a report: the project is left out of the totals. */
  error?: string;
}

export interface NoiseResult {
  projects: ProjectNoise[];
  packages: number;
  errorsAndWarnings: number;
  perThousand: number;
  byRule: Record<string, RuleCount & { perThousand: number }>;
}

/** Corpus projects: every folder of the corpus directory (each holds a lockfile and its package.json files). */
export async function corpusProjects(corpusDir: string, only: string[]): Promise<string[]> {
  const entries = await fs.readdir(corpusDir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length) throw new Error(`no such corpus project: ${unknown.join(', ')} (have: ${names.join(', ')})`);
  return only.length ? names.filter((n) => only.includes(n)) : names;
}

export async function measureNoise(corpusDir: string, projects: string[], options: ScanOptions, log: (line: string) => void): Promise<NoiseResult> {
  const results: ProjectNoise[] = [];
  // One project at a time: the CLI already runs its lookups concurrently, and a first
  // (uncached) run should not hit the registry with several thousand names at once.
  for (const project of projects) {
    const outcome = await scanWithCli(path.join(corpusDir, project), options);
    const seconds = Math.round(outcome.ms / 100) / 10;
    if (!outcome.report) {
      log(`  ${project}: NO RESULT (${outcome.error}) after ${seconds} s`);
      results.push(emptyProject(project, seconds, outcome.error!, outcome.warnings));
      continue;
    }
    const report = outcome.report;
    const unique = uniqueFindings(report);
    const shown = unique.findings.filter(isWarningOrError);
    const byRule: Record<string, RuleCount> = {};
    for (const f of shown) {
      const c = (byRule[f.rule] ??= { error: 0, warning: 0 });
      c[f.severity as 'error' | 'warning']++;
    }
    const lockfiles = report.files.filter((f) => f.kind === 'lockfile');
    const gaps = lookupGaps(report);
    const row: ProjectNoise = {
      project,
      lockfiles: lockfiles.map((f) => `${f.format ?? '?'}${f.lockfileVersion !== undefined ? ` v${f.lockfileVersion}` : ''}`),
      packages: lockfiles.reduce((n, f) => n + (f.packages ?? 0), 0),
      errors: shown.filter((f) => f.severity === 'error').length,
      warnings: shown.filter((f) => f.severity === 'warning').length,
      mirrors: shown.reduce((n, f) => n + (f.also?.length ?? 0), 0),
      duplicatesDropped: unique.duplicates,
      byRule,
      lookups: { registry: gaps.registry, advisories: gaps.advisories, packages: gaps.packages, reasons: Object.fromEntries(gaps.reasons) },
      unparsed: report.files.filter((f) => !f.parsed).map((f) => `${f.path}${f.error ? `: ${f.error}` : ''}`),
      cliWarnings: outcome.warnings,
      seconds,
    };
    log(`  ${project}: ${row.packages} packages, ${row.errors} errors, ${row.warnings} warnings (${seconds} s)`);
    results.push(row);
  }
  return summarize(results);
}

function emptyProject(project: string, seconds: number, error: string, cliWarnings: string[]): ProjectNoise {
  return {
    project,
    lockfiles: [],
    packages: 0,
    errors: 0,
    warnings: 0,
    mirrors: 0,
    duplicatesDropped: 0,
    byRule: {},
    lookups: { registry: 0, advisories: 0, packages: 0, reasons: {} },
    unparsed: [],
    cliWarnings,
    seconds,
    error,
  };
}

export const perThousand = (count: number, packages: number) => (packages ? (count * 1000) / packages : 0);

function summarize(projects: ProjectNoise[]): NoiseResult {
  const measured = projects.filter((p) => !p.error);
  const packages = measured.reduce((n, p) => n + p.packages, 0);
  const byRule: NoiseResult['byRule'] = {};
  for (const p of measured) {
    for (const [rule, c] of Object.entries(p.byRule)) {
      const total = (byRule[rule] ??= { error: 0, warning: 0, perThousand: 0 });
      total.error += c.error;
      total.warning += c.warning;
    }
  }
  for (const c of Object.values(byRule)) c.perThousand = perThousand(c.error + c.warning, packages);
  const errorsAndWarnings = measured.reduce((n, p) => n + p.errors + p.warnings, 0);
  return { projects, packages, errorsAndWarnings, perThousand: perThousand(errorsAndWarnings, packages), byRule };
}
