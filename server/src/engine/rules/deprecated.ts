import type { Fix } from '../model';
import { defineRule } from './context';
import { describeTarget, targetReport } from '../data/targets';
import { isPlainVersion, LIMITS, truncate } from '../text/untrusted';

/** Maintainers deprecate versions that are broken, insecure, or abandoned; the reason says which. */
export const deprecated = defineRule({
  id: 'deprecated',
  summary: 'The resolved version is deprecated.',
  severity: 'info',
  data: ['registry'],
  fixes: ['upgrade'],
  perName: {},
  check(ctx) {
    for (const t of ctx.data.targets) {
      const reason = t.info?.deprecated;
      if (!reason || !t.packument) continue;
      const latest = t.packument.distTags.latest;
      // The registry names `latest`: only a plain version may become "upgrade to".
      const latestInfo = isPlainVersion(latest) && latest !== t.version ? t.packument.version(latest) : undefined;
      const fixes: Fix[] =
        latestInfo && !latestInfo.deprecated
          ? [{ title: `Upgrade ${t.name} to ${latest}`, kind: 'upgrade', name: t.name, version: latest }]
          : [];
      ctx.report(targetReport(t, `${describeTarget(t)} is deprecated: "${truncate(reason, LIMITS.text)}"`, { fixes, span: t.versionSpan }));
    }
  },
});
