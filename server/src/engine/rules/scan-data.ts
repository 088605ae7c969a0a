import type { ScanInput } from './context';
import { evaluateTargets, workspaceNames, type EvaluatedTarget } from '../data/targets';
import { allowedHostsFor, scopeKey } from './allowed-hosts';

/**
 * What rules read besides the project itself, built once per scan on first use and shared
 * by every rule of the scan (it replaces module-level caches keyed by project or context).
 * One instance per scan: the inputs never change under it.
 */
export class ScanData {
  private readonly input: ScanInput;
  private evaluated?: EvaluatedTarget[];
  private ownNames?: Set<string>;
  private readonly hostsByScope = new Map<string, Set<string>>();

  constructor(input: ScanInput) {
    this.input = input;
  }

  /** Every package a remote rule judges, joined with the registry and advisory data (empty without remote data). */
  get targets(): EvaluatedTarget[] {
    const { project, settings, remote } = this.input;
    this.evaluated ??= remote ? evaluateTargets(project, settings, remote) : [];
    return this.evaluated;
  }

  /** Names of the project's own packages (workspaces). */
  get workspaceNames(): Set<string> {
    this.ownNames ??= workspaceNames(this.input.project);
    return this.ownNames;
  }

  /** Hosts a package may be resolved from (lockfile-host, non-registry-source); only the scope matters. */
  allowedHosts(name: string): Set<string> {
    const key = scopeKey(name);
    let hosts = this.hostsByScope.get(key);
    if (!hosts) this.hostsByScope.set(key, (hosts = allowedHostsFor(this.input, name)));
    return hosts;
  }
}
