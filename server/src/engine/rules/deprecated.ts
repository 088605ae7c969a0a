import type { Finding, Fix } from '../model';
import type { Rule } from './context';
import { describeTarget, remoteTargets, targetFinding } from '../data/targets';
import { isPlainVersion, LIMITS, truncate } from '../text/untrusted';

/** Maintainers deprecate versions that are broken, insecure, or abandoned; the reason says which. */
export const deprecated: Rule = {
  id: 'deprecated',
  defaultSeverity: 'info',
  needsRemote: true,
  run(ctx) {
    const findings: Finding[] = [];
    for (const t of remoteTargets(ctx)) {
      const reason = t.info?.deprecated;
      if (!reason || !t.packument) continue;
      const latest = t.packument.distTags.latest;
      const fixes: Fix[] =
        // The registry names `latest`: only a plain version may become "upgrade to".
        isPlainVersion(latest) && latest !== t.version && t.packument.versions[latest] && !t.packument.versions[latest].deprecated
          ? [{ title: `Upgrade ${t.name} to ${latest}`, kind: 'upgrade', name: t.name, version: latest }]
          : [];
      findings.push(targetFinding(t, 'deprecated', 'info', `${describeTarget(t)} is deprecated: "${truncate(reason, LIMITS.text)}"`, { fixes, span: t.versionSpan }));
    }
    return findings;
  },
};
