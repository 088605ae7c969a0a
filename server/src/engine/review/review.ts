import type { Finding, Lockfile } from '../model';
import type { ScanResult } from '../scan';
import type { RemoteData } from '../data/remote-data';
import { diffLockfiles, type PackageChange } from './lockfile-diff';
import { trustDeltas } from './trust-delta';
import { auditKey } from '../audit/audit-project';
import { auditDiffLines, auditHeadline } from '../rules/risk-signals';

export interface ReviewedChange extends PackageChange {
  /** Trust deltas between the old and the new version (upgrades, with registry data). */
  trust: string[];
  /** Findings on the new version. */
  findings: Finding[];
  via?: string[];
  /**
   * When the new version's tarball was read (package audit): what it found, and what it
   * changed at install time since the release before it (scripts, install-time files).
   * Package text inside is capped, not escaped.
   */
  audit?: { headline: string; changes: string[] };
}

export interface LockfileReview {
  path: string;
  /** False when the old version could not be read (new file, not in git). */
  hadBase: boolean;
  changes: ReviewedChange[];
  counts: Record<PackageChange['kind'], number>;
}

/**
 * Reviews one lockfile change: what it adds, upgrades and removes, each added or upgraded
 * package with its findings and, for upgrades, what changed in trust signals.
 */
export function reviewLockfile(before: Lockfile | undefined, result: ScanResult, path: string, remote?: RemoteData): LockfileReview {
  const after = result.project.lockfiles.find((l) => l.path === path);
  if (!after) throw new Error(`${path} is not part of the scan`);
  const graph = result.project.graphs.get(path);
  const findingsOf = new Map<string, Finding[]>();
  for (const f of result.findings) {
    if (f.file !== path || !f.package) continue;
    const key = `${f.package}@${f.version}`;
    if (!findingsOf.has(key)) findingsOf.set(key, []);
    findingsOf.get(key)!.push(f);
  }
  const changes: ReviewedChange[] = diffLockfiles(before, after).map((c) => {
    const entry = c.entry;
    const findings = entry ? findingsOf.get(`${entry.name}@${entry.version}`) ?? findingsOf.get(`${c.name}@${c.to}`) ?? [] : [];
    let trust: string[] = [];
    if ((c.kind === 'upgraded' || c.kind === 'downgraded') && remote) {
      const lookup = remote.packuments.get(c.name);
      if (lookup?.status === 'ok') {
        const prev = lookup.packument.version(c.from);
        const cur = lookup.packument.version(c.to);
        if (prev && cur) trust = trustDeltas(prev, cur);
      }
    }
    const read = c.kind !== 'removed' && c.to ? remote?.audits?.get(auditKey(entry?.realName ?? c.name, c.to)) : undefined;
    const audit = read && { headline: auditHeadline(read), changes: read.status === 'ok' ? auditDiffLines(read) : [] };
    return { ...c, trust, findings, via: entry ? graph?.via(entry.id) : undefined, ...(audit ? { audit } : {}) };
  });
  const counts = { added: 0, removed: 0, upgraded: 0, downgraded: 0 };
  for (const c of changes) counts[c.kind]++;
  return { path, hadBase: before !== undefined, changes, counts };
}

/** Findings on the packages a change brings in (for the CLI's exit code and SARIF). */
export function reviewFindings(reviews: LockfileReview[]): Finding[] {
  const out: Finding[] = [];
  for (const r of reviews) for (const c of r.changes) out.push(...c.findings);
  return out;
}
