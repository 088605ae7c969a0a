import type { Finding, LockedPackage, Lockfile, RuleId, Severity } from '../model';
import type { DependencyGraph } from '../graph';

/**
 * A finding on one lockfile entry: on its key, with its name, version and the path from a
 * direct dependency (`via`). Every lockfile rule reports this way.
 */
export function lockfileEntryFinding(
  lockfile: Lockfile,
  graph: DependencyGraph | undefined,
  p: LockedPackage,
  rule: RuleId,
  severity: Severity,
  message: string,
  extra: Partial<Pick<Finding, 'fixes' | 'evidence'>> = {},
): Finding {
  const finding: Finding = {
    rule,
    severity,
    message,
    file: lockfile.path,
    span: p.keySpan ?? p.span,
    package: p.name,
    version: p.version,
    via: graph?.via(p.id) ?? [p.name],
    fixes: extra.fixes ?? [],
  };
  if (extra.evidence) finding.evidence = extra.evidence;
  return finding;
}
