import { defineRule } from './context';
import { describeTarget, isSecurityPlaceholder, targetReport } from '../data/targets';
import { unknownPackages } from './unknown-package';

const HOW = {
  'not-found': 'the registry answers 404 for it',
  empty: 'the registry serves it with no versions',
  forbidden: 'the registry answers 403 "not available"',
};

/**
 * Taking a release down is how npm removes malware: the version vanishes from `versions`
 * and `time`, or the whole package does. A lockfile still pointing at it either fails to
 * install or, worse, installs it from a cache or mirror that kept a copy.
 */
export const removedFromRegistry = defineRule({
  id: 'removed-from-registry',
  summary: 'The locked version, or the whole package, is no longer served by the registry.',
  severity: 'error',
  data: ['registry'],
  fixes: [],
  perName: {},
  check(ctx) {
    // A declared name the registry does not have is unknown-package's (one finding, on the
    // package.json line, saying both what a removal and a free name mean), unless that rule is off.
    const declaredUnknown = ctx.settings.rules['unknown-package'] === 'off' ? new Set<string>() : new Set(unknownPackages(ctx).map((u) => u.name));
    for (const t of ctx.data.targets) {
      const lookup = t.lookup;
      if (!lookup || lookup.status === 'error') continue;
      if (lookup.status === 'gone') {
        if (declaredUnknown.has(t.name)) continue;
        ctx.report(
          targetReport(t, `"${t.name}" is no longer served by the registry (${HOW[lookup.how]}). Packages are usually removed because they were malicious; check what was installed.`, {
            evidence: [`registry: ${lookup.registry}`],
          }),
        );
        continue;
      }
      const p = lookup.packument;
      // The placeholder is security-holder's; stale offline data cannot prove a removal.
      if (isSecurityPlaceholder(p) || t.missing.some((m) => m.startsWith('registry:'))) continue;
      if (t.lockedVersion !== undefined && !t.info) {
        const unpublished = p.unpublished?.versions.includes(t.lockedVersion) ? ' (listed as unpublished)' : '';
        ctx.report(
          targetReport(t, `${describeTarget(t)} is no longer served by the registry${unpublished}: the version was removed, which is how malicious releases are taken down. Reinstall a version that is still published and check what ran.`, {
            evidence: [`registry: ${lookup.registry}`, `latest: ${p.distTags.latest ?? '(none)'}`],
          }),
        );
      } else if (t.spec !== undefined && t.version === undefined && t.dependency?.kind !== 'tag') {
        ctx.report(
          targetReport(t, `No version of "${t.name}" served by the registry satisfies "${t.spec}": the versions it named were removed (or never existed).`, {
            span: t.versionSpan,
            evidence: [`registry: ${lookup.registry}`, `latest: ${p.distTags.latest ?? '(none)'}`],
          }),
        );
      }
    }
  },
});
