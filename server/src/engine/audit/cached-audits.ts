/**
 * Audit results the data cache already holds for a project's locked versions, found by
 * the lockfile's sha512 (what an earlier `scan --audit`, `depwarden audit` or the editor's
 * audits stored). Read like the other remote data, before the scan: nothing is fetched, so
 * a plain scan, an offline one included, weighs what earlier audits found (the rules read
 * RemoteData.audits; they never fetch).
 */
import type { Project } from '../project';
import type { DataCache } from '../data/cache';
import { cacheKey, isAuditResult } from './audit-package';
import { auditKey } from './audit-project';
import { sriSha512 } from './integrity';
import type { AuditResult } from './model';

/**
 * Results by `name@version` (the registry name). `skip(sha512)` leaves a tarball out (the
 * editor asks the cache once per tarball and session). Lockfiles that record only a sha1
 * (old ones) cannot be matched: their versions are read again when audited.
 */
export async function readCachedAudits(project: Project, cache: DataCache, skip: (sha512: string) => boolean = () => false): Promise<Map<string, AuditResult>> {
  const out = new Map<string, AuditResult>();
  if (!(await cache.mayHold('audit'))) return out; // nothing ever audited: no lookup per tarball
  // Asked all at once, so that the cache reads its store once for them (cache.ts readSlot).
  const asked = new Map<string, { name: string; version: string }>();
  for (const l of project.lockfiles) {
    for (const p of l.packages) {
      if (p.source !== 'registry' || !p.version) continue;
      const sha = sriSha512(p.integrity);
      if (!sha || asked.has(sha) || skip(sha)) continue;
      asked.set(sha, { name: p.realName ?? p.name, version: p.version });
    }
  }
  const entries = await Promise.all([...asked.keys()].map((sha) => cache.get<AuditResult>('audit', cacheKey(sha))));
  let i = 0;
  for (const [sha, p] of asked) {
    const entry = entries[i++];
    // The cache folder is outside the workspace but still read as untrusted: shape-checked,
    // and it must be the audit of these very bytes.
    if (!entry || !isAuditResult(entry.value) || entry.value.integrity !== sha) continue;
    out.set(auditKey(p.name, p.version), { ...entry.value, fromCache: true });
  }
  return out;
}
