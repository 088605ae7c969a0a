import type { Manifest } from '../model';
import { defineRule } from './context';
import { dirname } from '../project';

const INSTALLED_SECTIONS = new Set(['dependencies', 'devDependencies', 'optionalDependencies']);

/**
 * Without a lockfile every install resolves the ranges afresh, so a hijacked release
 * published an hour ago is installed with no change anyone can review.
 */
export const missingLockfile = defineRule({
  id: 'missing-lockfile',
  summary: 'A project with dependencies has no lockfile.',
  severity: 'warning',
  data: ['local'],
  fixes: [],
  check({ project, report }) {
    const lockDirs = new Set(project.lockfiles.map((l) => dirname(l.path)));
    for (const m of project.manifests) {
      if (m.parseErrors.length && !m.json) continue;
      const installed = m.dependencies.filter((d) => INSTALLED_SECTIONS.has(d.section));
      if (installed.length === 0) continue;
      if (coveredByLockfile(m, lockDirs)) continue;
      const first = installed[0];
      report({
        message: `${m.path} declares ${installed.length} dependenc${installed.length === 1 ? 'y' : 'ies'} but no lockfile pins them: every install takes whatever versions are newest that day, unreviewed. Commit the lockfile of your package manager.`,
        file: m.path,
        span: sectionKeySpan(m, first.section) ?? first.nameSpan,
        version: null,
      });
    }
  },
});

/** A lockfile in the manifest's folder or any folder above it (monorepo root) covers it. */
function coveredByLockfile(m: Manifest, lockDirs: Set<string>): boolean {
  let dir = dirname(m.path);
  for (;;) {
    if (lockDirs.has(dir)) return true;
    if (dir === '') return false;
    dir = dirname(dir);
  }
}

/** The span of a section's dependency keys, approximated by its first entry's key. */
function sectionKeySpan(m: Manifest, section: string) {
  return m.dependencies.find((d) => d.section === section)?.nameSpan;
}
