/**
 * The project's own release-age policy, as each package manager spells it (the settings
 * and their units are in each PackageManagerProfile's `releaseAge`, lockfile/profiles.ts):
 *   npm   .npmrc               min-release-age=<days>, before=<date>
 *   pnpm  pnpm-workspace.yaml  minimumReleaseAge: <minutes>, minimumReleaseAgeExclude: [...]
 *   yarn  .yarnrc.yml          npmMinimalAgeGate: <minutes> | '3d', npmPreapprovedPackages: [...]
 *   bun   bunfig.toml          [install] minimumReleaseAge = <seconds>, minimumReleaseAgeExcludes = [...]
 * The files are parsed once per scan (project.packageManagerConfig); a broken one is an
 * unparsed-file finding, not a policy that is silently absent.
 */
import { compileNamePattern } from '../glob';
import type { LockfileFormat } from '../model';
import { LOCKFILE_PROFILES, PACKAGE_MANAGERS, type PackageManagerName } from '../lockfile/profiles';
import { settingAt, type PackageManagerConfigFile } from './package-manager-config';
import type { Project } from '../project';

export type PackageManager = PackageManagerName;
export { parseDuration } from '../lockfile/profiles';

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
  /**
   * `exclude` compiled, once when the policy is read: every package of the scan is checked
   * against every pattern. Held here rather than in a module cache, so it lives as long as
   * the scan's policies and no longer.
   */
  excludeMatchers: ((name: string) => boolean)[];
}

/** Every release-age policy configured in the project (root first, then nearer files). */
export function readReleaseAgePolicies(project: Project): ReleaseAgePolicy[] {
  const policies: ReleaseAgePolicy[] = [];
  const npm = npmPolicy(project);
  if (npm) policies.push(npm);
  // npm's comes from the effective config above (user and project .npmrc together).
  const files = [...(project.packageManagerConfig?.values() ?? [])].filter((f) => f.manager !== 'npm');
  files.sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const file of files) {
    const policy = filePolicy(file);
    if (policy) policies.push(policy);
  }
  return policies;
}

/** The package manager a lockfile belongs to. */
export function managerOfLockfile(format: LockfileFormat): PackageManager {
  return LOCKFILE_PROFILES[format].manager;
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
  return policy.excludeMatchers.some((matches) => matches(name));
}

function npmPolicy(project: Project): ReleaseAgePolicy | undefined {
  const { releaseAge, configFile } = PACKAGE_MANAGERS.npm;
  const raw = project.npmrc.raw;
  const key = releaseAge.setting[0];
  const policy: ReleaseAgePolicy = { manager: 'npm', source: '', exclude: [], excludeMatchers: [] };
  const ms = releaseAge.toMs(raw[key]);
  if (ms !== undefined) {
    policy.minAgeMs = ms;
    policy.source = `${configFile.name} ${key}=${raw[key]}`;
  }
  const before = releaseAge.before && raw[releaseAge.before];
  if (before) {
    const date = new Date(before);
    if (!Number.isNaN(date.getTime())) {
      policy.before = date;
      const setting = `${releaseAge.before}=${before}`;
      policy.source = policy.source ? `${policy.source}, ${setting}` : `${configFile.name} ${setting}`;
    }
  }
  return policy.source ? policy : undefined;
}

/** The gate a pnpm, yarn or bun config file sets, in the units of its profile. */
function filePolicy(file: PackageManagerConfigFile): ReleaseAgePolicy | undefined {
  const { releaseAge, configFile } = PACKAGE_MANAGERS[file.manager];
  const value = settingAt(file.settings, releaseAge.setting);
  const ms = releaseAge.toMs(value);
  if (ms === undefined) return undefined;
  const key = releaseAge.setting[releaseAge.setting.length - 1];
  const exclude = releaseAge.exclude ? stringList(settingAt(file.settings, releaseAge.exclude)) : [];
  const source = `${file.path} ${key}${configFile.assign}${String(value)}`;
  return { manager: file.manager, minAgeMs: ms, source, exclude, excludeMatchers: exclude.map(compileNamePattern) };
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}
