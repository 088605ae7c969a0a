/**
 * Audits of a whole project's locked versions (`depwarden scan --audit`): which versions
 * to read, and reading them a few at a time. The results go into RemoteData.audits, where
 * the `suspicious-code` rule turns them into findings like any other registry data.
 */
import type { EvaluatedTarget } from '../data/targets';
import type { LockedPackage, Settings } from '../model';
import type { Project } from '../project';
import type { NpmConfig } from '../policy/npmrc';
import type { DataCache } from '../data/cache';
import { resolveProxyRoutes } from '../data/proxy';
import { PackageAuditor } from './audit-package';
import type { AuditRequest } from './audit-package';
import type { AuditResult } from './model';

/**
 * `install-scripts`: the versions that run code when installed (by the registry's
 * manifest, or the lockfile's flag when the registry was not asked): where an attack does
 * its work before anyone imports anything. `all`: every registry version.
 */
export type AuditMode = 'install-scripts' | 'all';

const RUNS_ON_INSTALL = ['preinstall', 'install', 'postinstall'];

export interface ProjectAuditTarget extends AuditRequest {
  version: string;
  /** `name@version`: the key of RemoteData.audits. */
  key: string;
}

export function auditKey(name: string, version: string): string {
  return `${name}@${version}`;
}

/**
 * The versions the mode selects, each once: lockfile entries at their locked version (with
 * the lockfile's integrity, which the tarball must match), and package.json dependencies
 * without a lockfile at the version the registry resolves them to today.
 */
export function selectAuditTargets(targets: readonly EvaluatedTarget[], mode: AuditMode): ProjectAuditTarget[] {
  const out = new Map<string, ProjectAuditTarget>();
  for (const t of targets) {
    if (!t.version || t.lookup?.status === 'gone') continue;
    const key = auditKey(t.name, t.version);
    if (out.has(key)) continue;
    if (mode === 'install-scripts' && !runsOnInstall(t)) continue;
    const lockfile = t.locked ? { integrity: t.locked.integrity, resolved: t.locked.resolved } : undefined;
    out.set(key, { key, name: t.name, version: t.version, ...(lockfile ? { lockfile } : {}) });
  }
  return [...out.values()];
}

/** The registry's manifest decides; the lockfile's flag only where the registry was not asked. */
function runsOnInstall(t: EvaluatedTarget): boolean {
  if (t.info) return RUNS_ON_INSTALL.some((s) => t.info!.scripts?.[s]);
  return t.locked?.hasInstallScript === true;
}

export interface AuditRunOptions {
  /** Tarballs read at once (each is downloaded and held in memory while it is read). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Audits every target; results by `name@version`. An audit that fails is a result too (status 'error'). */
export async function auditTargets(auditor: PackageAuditor, targets: readonly ProjectAuditTarget[], options: AuditRunOptions = {}): Promise<Map<string, AuditResult>> {
  const results = new Map<string, AuditResult>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < targets.length) {
      const t = targets[next++];
      results.set(t.key, await auditor.audit(t));
      options.onProgress?.(++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, targets.length) }, worker));
  return results;
}

/**
 * An auditor that fetches as the scan's lookups do: the project's npm config (registries per
 * scope, credentials per host), the settings' registry and proxy, the shared data cache.
 * The CLI's `scan --audit` and the editor's audits (on demand, background) all use it.
 */
export function projectAuditor(npmrc: NpmConfig, settings: Settings, cache: DataCache, env: Record<string, string | undefined>): PackageAuditor {
  const proxy = resolveProxyRoutes(settings.proxy, npmrc, env);
  return new PackageAuditor({ npmrc, registryOverride: settings.registry, offline: settings.offline, http: proxy ? { proxy } : {}, cache });
}

/**
 * The first lockfile entry for `name` at `version`, by the name it is installed as or, for
 * an alias, the registry name it stands for (the same version of one registry package has
 * one tarball, whichever way it was found).
 */
export function lockedPackageOf(project: Project, name: string, version: string): LockedPackage | undefined {
  for (const l of project.lockfiles) for (const p of l.packages) if (p.version === version && (p.name === name || p.realName === name)) return p;
  return undefined;
}
