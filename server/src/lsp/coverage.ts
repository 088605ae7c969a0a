/**
 * What depwarden could not check for one package, in words a reader of a hover, the
 * Dependencies view or the report understands: "No findings" is only true of the checks
 * that ran. The reasons come from the engine (evaluateTarget, the same function the
 * lookup-incomplete rule reads), so the editor and the CLI agree on what is missing.
 */
import { evaluateTarget, type PackageTarget } from '../engine/data/targets';
import { emptyRemoteData, type RemoteData } from '../engine/data/remote-data';
import type { Settings } from '../engine/model';
import type { Project } from '../engine/project';

/** How a folder was checked: its settings, and whether VS Code runs it in Restricted Mode. */
export interface CoverageContext {
  settings: Settings;
  /** The workspace is not trusted: the client forced offline, and only local rules run. */
  restricted: boolean;
}

/** One package's coverage. */
export interface PackageCoverage {
  /** Restricted Mode: no registry, advisory or feed data at all, whatever the cache holds. */
  restricted: boolean;
  /** Checks that could not run, each "what: why" ("registry: offline", "advisories: timeout"). */
  missing: string[];
  /** Checks turned off by a setting ("advisories: off (depwarden.advisories)"). Both empty: every check ran. */
  off: string[];
}

/** The coverage of `name` (at `version` when known) as the folder's last lookup left it. */
export function packageCoverage(project: Project, context: CoverageContext, remote: RemoteData | undefined, name: string, version: string | undefined, spec?: string): PackageCoverage {
  if (context.restricted) return { restricted: true, missing: ['registry, advisories and malware feeds: Restricted Mode (local checks only)'], off: [] };
  const data = remote ?? { ...emptyRemoteData(), offline: context.settings.offline, advisoriesEnabled: context.settings.advisories !== null };
  const target: PackageTarget = {
    file: '',
    name,
    displayName: name,
    lockedVersion: version,
    spec: version === undefined ? spec : undefined,
    span: { start: 0, end: 0 },
    versionSpan: { start: 0, end: 0 },
    via: [name],
  };
  const missing = evaluateTarget(project, context.settings, data, target).missing.map((m) => plainReason(m, data.offline));
  // Off by choice is still not checked: say so rather than let silence read as "no advisories".
  const off = data.advisoriesEnabled ? [] : ['advisories: off (depwarden.advisories)'];
  return { restricted: false, missing: [...new Set(missing)], off };
}

/** "not looked up yet" while offline is "offline": nothing will look it up until the setting changes. */
function plainReason(reason: string, offline: boolean): string {
  return offline ? reason.replace(/: not looked up yet$/, ': offline (depwarden.offline), nothing cached') : reason;
}
