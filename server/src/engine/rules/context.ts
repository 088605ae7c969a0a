import type { Finding, RuleId, Settings, Severity } from '../model';
import type { Project } from '../project';
import type { RemoteData } from '../data/remote-data';

export interface RuleContext {
  project: Project;
  settings: Settings;
  now: Date;
  /** Registry and advisory data; absent in offline scans and before lookups land. */
  remote?: RemoteData;
}

export interface Rule {
  id: RuleId;
  defaultSeverity: Severity;
  /** True for rules that only run with registry/advisory data. */
  needsRemote?: boolean;
  run(ctx: RuleContext): Finding[];
}
