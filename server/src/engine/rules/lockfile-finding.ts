import type { LockedPackage, Lockfile } from '../model';
import type { DependencyGraph } from '../graph';
import type { Report } from './context';

/**
 * A finding on one lockfile entry: on its key, with its name, version and the path from a
 * direct dependency (`via`). Every lockfile rule reports this way (ctx.report fills in the
 * rule and, unless `extra` sets one, its default severity).
 */
export function lockfileEntryReport(
  lockfile: Lockfile,
  graph: DependencyGraph | undefined,
  p: LockedPackage,
  message: string,
  extra: Pick<Report, 'fixes' | 'evidence' | 'severity'> = {},
): Report {
  return {
    message,
    file: lockfile.path,
    span: p.keySpan ?? p.span,
    package: p.name,
    version: p.version,
    via: graph?.via(p.id) ?? [p.name],
    ...extra,
  };
}
