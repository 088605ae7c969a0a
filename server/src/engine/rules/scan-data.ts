import type { ScanInput } from './context';
import { collectTargets, evaluateTarget, workspaceNames, type EvaluatedTarget, type PackageTarget } from '../data/targets';
import { allowedHostsFor, scopeKey } from './allowed-hosts';
import { auditKey } from '../audit/audit-project';
import { sriSha512 } from '../audit/integrity';
import type { AuditResult } from '../audit/model';
import { ResolvedUrls } from './registry-tarball';

/**
 * The targets of an earlier scan of the same project, for a rescan after registry data
 * landed (scan.ts rescanLanded): only those named in `landed` are joined with the data again.
 */
export interface EarlierTargets {
  collected: PackageTarget[];
  evaluated: EvaluatedTarget[];
  landed: ReadonlySet<string>;
}

/**
 * What rules read besides the project itself, built once per scan on first use and shared
 * by every rule of the scan (it replaces module-level caches keyed by project or context).
 * One instance per scan: the inputs never change under it.
 */
export class ScanData {
  private readonly input: ScanInput;
  private collected?: PackageTarget[];
  private evaluated?: EvaluatedTarget[];
  private ownNames?: Set<string>;
  private readonly hostsByScope = new Map<string, Set<string>>();
  /** Lockfile entries' resolved URLs, each read once per scan. */
  resolvedUrls = new ResolvedUrls();

  constructor(
    input: ScanInput,
    private readonly earlier?: EarlierTargets,
  ) {
    this.input = input;
  }

  /**
   * Every package a remote rule judges, joined with the registry and advisory data (empty
   * without remote data); with ScanInput.only, those of the packages named there.
   */
  get targets(): EvaluatedTarget[] {
    const all = this.allTargets;
    const { only } = this.input;
    return only ? all.filter((t) => only.has(t.name)) : all;
  }

  /** Every target, whatever ScanInput.only says. */
  get allTargets(): EvaluatedTarget[] {
    const { project, settings, remote } = this.input;
    if (!this.evaluated) {
      if (!remote) this.evaluated = [];
      else if (this.earlier) {
        const { collected, evaluated, landed } = this.earlier;
        this.evaluated = collected.map((t, i) => (landed.has(t.name) ? evaluateTarget(project, settings, remote, t) : evaluated[i]));
      } else this.evaluated = this.packageTargets.map((t) => evaluateTarget(project, settings, remote, t));
    }
    return this.evaluated;
  }

  /** The targets before they are joined with the data (collectTargets). */
  get packageTargets(): PackageTarget[] {
    this.collected ??= this.earlier?.collected ?? collectTargets(this.input.project);
    return this.collected;
  }

  /** The same data seen by a rule that wants the findings about `only` alone (see ScanInput.only). */
  restrictedTo(only: ReadonlySet<string>): ScanData {
    const view = new ScanData({ ...this.input, only });
    view.collected = this.packageTargets;
    view.evaluated = this.allTargets;
    view.ownNames = this.workspaceNames;
    view.resolvedUrls = this.resolvedUrls;
    return view;
  }

  /** Names of the project's own packages (workspaces). */
  get workspaceNames(): Set<string> {
    this.ownNames ??= workspaceNames(this.input.project);
    return this.ownNames;
  }

  /**
   * The package audit of a target's version (RemoteData.audits: `scan --audit`, the
   * editor's audits, earlier audits found in the cache by lockfile integrity). Undefined
   * when there is none, or when it read other bytes than the lockfile locks (the same
   * name@version from another registry).
   */
  auditOf(t: EvaluatedTarget): AuditResult | undefined {
    return t.version ? this.auditOfVersion(t.name, t.version, t.locked?.integrity) : undefined;
  }

  /** The same by registry name, version and the lockfile's integrity (lockfile entries the registry did not confirm). */
  auditOfVersion(name: string, version: string, lockedIntegrity: string | undefined): AuditResult | undefined {
    const audits = this.input.remote?.audits;
    if (!audits?.size) return undefined;
    const result = audits.get(auditKey(name, version));
    const locked = sriSha512(lockedIntegrity);
    if (result?.status === 'ok' && locked && locked !== result.integrity) return undefined;
    return result;
  }

  /** Hosts a package may be resolved from (lockfile-host, non-registry-source); only the scope matters. */
  allowedHosts(name: string): Set<string> {
    const key = scopeKey(name);
    let hosts = this.hostsByScope.get(key);
    if (!hosts) this.hostsByScope.set(key, (hosts = allowedHostsFor(this.input, name)));
    return hosts;
  }
}
