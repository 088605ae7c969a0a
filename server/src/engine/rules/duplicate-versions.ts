import type { LockedPackage } from '../model';
import { defineRule } from './context';

/** How many distinct versions of one package make the tree worth a look. */
export const DUPLICATE_VERSIONS_THRESHOLD = 4;

/**
 * Each extra copy of a package is more code to review and one more version an advisory
 * or a hijack can hit; many copies usually mean stale ranges that a dedupe would merge.
 */
export const duplicateVersions = defineRule({
  id: 'duplicate-versions',
  summary: 'Many versions of one package are installed.',
  severity: 'hint',
  data: ['local'],
  fixes: [],
  check({ project, report }) {
    for (const l of project.lockfiles) {
      // The first entry of each version of a name, in the lockfile's order. Most names have
      // one version: they keep that entry alone, and only a second version makes a list
      // (a Map per name was most of this rule's time and allocation).
      const byName = new Map<string, LockedPackage | LockedPackage[]>();
      for (const p of l.packages) {
        if (p.source === 'link' || p.source === 'workspace' || p.source === 'directory') continue;
        const name = p.realName ?? p.name;
        const seen = byName.get(name);
        if (seen === undefined) byName.set(name, p);
        else if (!Array.isArray(seen)) {
          if (seen.version !== p.version) byName.set(name, [seen, p]);
        } else if (!seen.some((q) => q.version === p.version)) seen.push(p);
      }
      const graph = project.graphs.get(l.path);
      for (const [name, versions] of byName) {
        if (!Array.isArray(versions) || versions.length < DUPLICATE_VERSIONS_THRESHOLD) continue;
        const list = versions.map((p) => p.version);
        const first = [...versions].sort((a, b) => a.span.start - b.span.start)[0];
        report({
          message: `${l.path} installs ${versions.length} versions of ${name} (${list.join(', ')}); deduplicating shrinks what has to be trusted.`,
          file: l.path,
          span: first.keySpan ?? first.span,
          package: name,
          version: first.version,
          via: graph?.via(first.id) ?? [name],
          evidence: list.map((v) => `${name}@${v}`),
        });
      }
    }
  },
});
