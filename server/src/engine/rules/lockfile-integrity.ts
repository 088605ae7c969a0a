import type { LockedPackage } from '../model';
import { lockfileEntryReport } from './lockfile-finding';
import { defineRule } from './context';

/**
 * Without an integrity hash the lockfile pins a URL, not content: whatever that URL
 * serves tomorrow gets installed. SHA-1 is not enough either: collisions have been
 * practical since 2017 (SHAttered), and npm moved to SHA-512 in npm 5.
 */
export const lockfileIntegrity = defineRule({
  id: 'lockfile-integrity',
  summary: 'A lockfile entry has no integrity hash, or only a weak one.',
  severity: 'warning',
  data: ['local'],
  fixes: [],
  check({ project, report }) {
    for (const l of project.lockfiles) {
      const graph = project.graphs.get(l.path);
      const text = project.texts.get(l.path);
      for (const p of l.packages) {
        const problem = integrityProblem(p);
        if (!problem) continue;
        // yarn berry writes no checksum for platform-specific packages (`conditions:`) it
        // did not fetch; it checksums them when a matching machine installs them.
        // (`[ \t]+`, not `\s+`: `\s` also takes line breaks, and `\n\s+` retried a long run of
        // blank lines from each of its line breaks.)
        if (problem === 'missing' && l.format === 'yarn-berry' && text && /\n[ \t]+conditions:/.test(text.slice(p.span.start, p.span.end))) continue;
        const message =
          problem === 'missing'
            ? `${p.name}@${p.version} has no integrity hash in the lockfile: a changed tarball at the same URL would be installed without notice.`
            : `${p.name}@${p.version} is only checked with SHA-1, which can be forged. Releases published before 2017 often have no stronger hash on the registry: a newer version (re-locked) gets sha512.`;
        const evidence = p.integrity ? [`integrity: ${p.integrity}`] : p.resolved ? [`resolved: ${p.resolved}`] : undefined;
        report(lockfileEntryReport(l, graph, p, message, { evidence }));
      }
    }
  },
});

/** 'missing', 'sha1' (only weak hashes), or undefined when the entry is fine or out of scope. */
export function integrityProblem(p: LockedPackage): 'missing' | 'sha1' | undefined {
  // Links, workspaces and folders are local code; bundled packages come inside their
  // parent's (hashed) tarball; git sources are pinned by commit, not by hash.
  if (p.source !== 'registry' && p.source !== 'tarball') return undefined;
  if (p.inBundle) return undefined;
  if (p.integrity && p.integrity.trim()) {
    const tokens = p.integrity.trim().split(/\s+/);
    const sri = tokens.filter((t) => /^sha(1|256|384|512)-/i.test(t));
    // Not SRI (e.g. yarn berry's checksum "10c0/<sha512 hex>"): a strong hash of its own.
    if (sri.length === 0) return undefined;
    return sri.every((t) => /^sha1-/i.test(t)) ? 'sha1' : undefined;
  }
  // yarn classic before 1.10 kept only a sha1 in the URL fragment.
  if (p.resolved && /#[0-9a-f]{40}$/i.test(p.resolved)) return 'sha1';
  return 'missing';
}
