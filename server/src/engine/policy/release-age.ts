/**
 * The project's own release-age policy, as each package manager spells it:
 *   npm   .npmrc               min-release-age=<days>, before=<date>
 *   pnpm  pnpm-workspace.yaml  minimumReleaseAge: <minutes>, minimumReleaseAgeExclude: [...]
 *   yarn  .yarnrc.yml          npmMinimalAgeGate: <minutes> | '3d', npmPreapprovedPackages: [...]
 *   bun   bunfig.toml          [install] minimumReleaseAge = <seconds>, minimumReleaseAgeExcludes = [...]
 */
import { compileNamePattern } from '../glob';
import type { LockfileFormat } from '../model';
import { parseConfigYaml } from '../yaml-limits';
import type { Project } from '../project';

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface ReleaseAgePolicy {
  manager: PackageManager;
  /** Versions younger than this are refused (0 = the gate is off). */
  minAgeMs?: number;
  /** npm `before`: versions published after this date are refused. */
  before?: Date;
  /** File and setting, for messages: "pnpm-workspace.yaml minimumReleaseAge: 1440". */
  source: string;
  /** Name patterns exempt from the gate (`*` wildcards). */
  exclude: string[];
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Every release-age policy configured in the project (root first, then nearer files). */
export function readReleaseAgePolicies(project: Project): ReleaseAgePolicy[] {
  const policies: ReleaseAgePolicy[] = [];
  const npm = npmPolicy(project);
  if (npm) policies.push(npm);
  const paths = [...project.configFiles.keys()].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const path of paths) {
    const text = project.configFiles.get(path)!;
    const base = path.slice(path.lastIndexOf('/') + 1);
    let policy: ReleaseAgePolicy | undefined;
    if (base === 'pnpm-workspace.yaml') policy = pnpmPolicy(path, text);
    else if (base === '.yarnrc.yml') policy = yarnPolicy(path, text);
    else if (base === 'bunfig.toml') policy = bunPolicy(path, text);
    if (policy) policies.push(policy);
  }
  return policies;
}

/** The package manager a lockfile belongs to. */
export function managerOfLockfile(format: LockfileFormat): PackageManager {
  if (format === 'pnpm') return 'pnpm';
  if (format === 'bun') return 'bun';
  if (format === 'yarn-classic' || format === 'yarn-berry') return 'yarn';
  return 'npm';
}

/**
 * The policy that governs a package: the one of the package manager that wrote the
 * lockfile; without a lockfile, the one of `packageManager`, else the only one there is.
 */
export function policyFor(policies: ReleaseAgePolicy[], manager: PackageManager | undefined, name: string): ReleaseAgePolicy | undefined {
  const candidates = manager ? policies.filter((p) => p.manager === manager) : policies.length === 1 ? policies : [];
  const policy = candidates[candidates.length - 1];
  if (!policy || isExempt(policy, name)) return undefined;
  return policy;
}

export function isExempt(policy: ReleaseAgePolicy, name: string): boolean {
  let matchers = compiledExcludes.get(policy.exclude);
  if (!matchers) compiledExcludes.set(policy.exclude, (matchers = policy.exclude.map(compileNamePattern)));
  return matchers.some((matches) => matches(name));
}

/** Compiled once per policy: each package is checked against every pattern. */
const compiledExcludes = new WeakMap<string[], ((name: string) => boolean)[]>();

function npmPolicy(project: Project): ReleaseAgePolicy | undefined {
  const raw = project.npmrc.raw;
  const days = raw['min-release-age'];
  const before = raw.before;
  const policy: ReleaseAgePolicy = { manager: 'npm', source: '', exclude: [] };
  if (days !== undefined && days !== '' && Number.isFinite(Number(days))) {
    policy.minAgeMs = Number(days) * DAY;
    policy.source = `.npmrc min-release-age=${days}`;
  }
  if (before) {
    const date = new Date(before);
    if (!Number.isNaN(date.getTime())) {
      policy.before = date;
      policy.source = policy.source ? `${policy.source}, before=${before}` : `.npmrc before=${before}`;
    }
  }
  return policy.source ? policy : undefined;
}

function readYaml(text: string): Record<string, unknown> | undefined {
  const doc = parseConfigYaml(text);
  return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}

function pnpmPolicy(path: string, text: string): ReleaseAgePolicy | undefined {
  const doc = readYaml(text);
  const minutes = doc?.minimumReleaseAge;
  if (typeof minutes !== 'number' || !Number.isFinite(minutes)) return undefined;
  return {
    manager: 'pnpm',
    minAgeMs: minutes * MINUTE,
    source: `${path} minimumReleaseAge: ${minutes}`,
    exclude: stringList(doc!.minimumReleaseAgeExclude),
  };
}

function yarnPolicy(path: string, text: string): ReleaseAgePolicy | undefined {
  const doc = readYaml(text);
  const gate = doc?.npmMinimalAgeGate;
  const ms = typeof gate === 'number' ? gate * MINUTE : typeof gate === 'string' ? parseDuration(gate) : undefined;
  if (ms === undefined) return undefined;
  return { manager: 'yarn', minAgeMs: ms, source: `${path} npmMinimalAgeGate: ${gate}`, exclude: stringList(doc!.npmPreapprovedPackages) };
}

/** Yarn durations: a bare number is minutes; else a number with a unit (ms, s, m, h, d, w). */
export function parseDuration(text: string): number | undefined {
  // Trimmed first: `\s*` on both sides of the optional unit would try every split of a long
  // run of spaces (quadratic).
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE, d: DAY, w: 7 * DAY }[m[2] ?? 'm']!;
  return Number(m[1]) * unit;
}

/**
 * Reads the two keys from bunfig.toml's [install] table. A small reader rather than a
 * TOML library (none is available): `key = value` lines, a number or an array of strings.
 */
function bunPolicy(path: string, text: string): ReleaseAgePolicy | undefined {
  const install = tomlTable(text, 'install');
  const seconds = Number(install.minimumReleaseAge);
  if (install.minimumReleaseAge === undefined || !Number.isFinite(seconds)) return undefined;
  const exclude = install.minimumReleaseAgeExcludes ? [...install.minimumReleaseAgeExcludes.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]) : [];
  return { manager: 'bun', minAgeMs: seconds * 1000, source: `${path} minimumReleaseAge = ${install.minimumReleaseAge}`, exclude };
}

/** Raw values of a TOML table's keys (dotted `install.key = v` at the top level too); arrays may span lines. */
function tomlTable(text: string, table: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = withoutComment(lines[i]).trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1].trim();
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    let key = kv[1];
    let value = kv[2];
    if (value.startsWith('[') && !value.includes(']')) {
      // Only the added line is searched: searching the growing value would be quadratic.
      while (i + 1 < lines.length) {
        const next = lines[++i].trim();
        value += ' ' + next;
        if (next.includes(']')) break;
      }
    }
    if (current === '' && key.startsWith(`${table}.`)) key = key.slice(table.length + 1);
    else if (current !== table) continue;
    out[key] = value;
  }
  return out;
}

/** The line up to a ` #` comment (a regex `\s+#.*$` would retry at every blank of a long run). */
function withoutComment(line: string): string {
  const at = line.search(/\s#/);
  return at < 0 ? line : line.slice(0, at);
}
