import { lockfileEntryReport } from './lockfile-finding';
import { defineRule, inFocus } from './context';
import { ignoredNetworkFindings } from '../policy/npmrc';

/** http: and git: travel unencrypted: anyone on the path can swap the code. */
export function insecureScheme(url: string | undefined): string | undefined {
  // Nearly every resolved URL is https: settled without running the two regexes.
  if (!url || url.startsWith('https://')) return undefined;
  const m = /^(?:git\+)?(http|git):\/\//i.exec(url);
  if (!m) return undefined;
  // git+http is as bad as http; localhost is only reachable from this machine.
  if (/^(?:git\+)?https?:\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/i.test(url)) return undefined;
  return m[1].toLowerCase() + ':';
}

export const insecureUrl = defineRule({
  id: 'insecure-url',
  summary: 'A dependency or tarball is fetched over an unencrypted protocol.',
  severity: 'error',
  data: ['local'],
  fixes: [],
  check(ctx) {
    const { project, report } = ctx;
    for (const m of project.manifests) {
      if (!inFocus(ctx, m.path)) continue;
      for (const dep of m.dependencies) {
        const scheme = insecureScheme(dep.url);
        if (!scheme || !dep.specSpan) continue;
        report({
          message: `"${dep.name}" is fetched over ${scheme} (${dep.spec}), which is not encrypted: the code can be replaced in transit.`,
          file: m.path,
          span: dep.specSpan,
          package: dep.name,
          version: null,
          via: [dep.name],
        });
      }
    }
    for (const l of project.lockfiles) {
      if (!inFocus(ctx, l.path)) continue;
      const graph = project.graphs.get(l.path);
      for (const p of l.packages) {
        const scheme = insecureScheme(p.resolved);
        if (!scheme) continue;
        report(
          lockfileEntryReport(l, graph, p, `${p.name}@${p.version} is resolved over ${scheme} (${p.resolved}), which is not encrypted: the tarball can be replaced in transit.`),
        );
      }
    }
    // The project's .npmrc asking npm to skip certificate checks, trust its own CA or use a proxy.
    for (const f of ignoredNetworkFindings(project.npmrc)) report(f);
  },
});
