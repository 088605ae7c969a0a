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
      const byName = new Map<string, Map<string, LockedPackage>>();
      for (const p of l.packages) {
        if (p.source === 'link' || p.source === 'workspace' || p.source === 'directory') continue;
        const name = p.realName ?? p.name;
        if (!byName.has(name)) byName.set(name, new Map());
        const versions = byName.get(name)!;
        if (!versions.has(p.version)) versions.set(p.version, p);
      }
      const graph = project.graphs.get(l.path);
      for (const [name, versions] of byName) {
        if (versions.size < DUPLICATE_VERSIONS_THRESHOLD) continue;
        const list = [...versions.keys()];
        const first = [...versions.values()].sort((a, b) => a.span.start - b.span.start)[0];
        report({
          message: `${l.path} installs ${versions.size} versions of ${name} (${list.join(', ')}); deduplicating shrinks what has to be trusted.`,
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
