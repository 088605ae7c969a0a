import type { Finding } from '../model';
import type { Rule } from './context';
import { dirname, joinPath } from '../project';

/**
 * git, tarball URLs and files outside the workspace bypass the registry: no review, no
 * advisories, no takedown, and a git ref can be moved under you.
 */
export const nonRegistrySource: Rule = {
  id: 'non-registry-source',
  defaultSeverity: 'warning',
  run({ project }) {
    const findings: Finding[] = [];
    for (const m of project.manifests) {
      for (const dep of m.dependencies) {
        if (!dep.specSpan) continue;
        let what: string | undefined;
        if (dep.kind === 'git') what = 'a git repository';
        else if (dep.kind === 'remote') what = 'a tarball URL';
        else if (dep.kind === 'file' || dep.kind === 'directory' || dep.kind === 'link' || dep.kind === 'portal') {
          const target = dep.spec.replace(/^(file|link|portal):/, '');
          if (!isOutsideRoot(dirname(m.path), target)) continue;
          what = 'a path outside the workspace';
        }
        if (!what) continue;
        findings.push({
          rule: 'non-registry-source',
          severity: 'warning',
          message: `"${dep.name}" comes from ${what} (${dep.spec}): it is not reviewed on the registry and advisories do not cover it.`,
          file: m.path,
          span: dep.specSpan,
          package: dep.name,
          version: null,
          via: [dep.name],
          fixes: [],
        });
      }
    }
    return findings;
  },
};

function isOutsideRoot(dir: string, target: string): boolean {
  if (target.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(target) || target.startsWith('~')) return true;
  const depth = dir === '' ? 0 : dir.split('/').length;
  let up = 0;
  for (const part of target.split(/[\\/]/)) {
    if (part === '..') up++;
    else if (part !== '.' && part !== '') break;
  }
  return up > depth || joinPath(dir, target).startsWith('..');
}
