import { defineRule } from './context';
import { describeTarget, isSecurityPlaceholder, targetReport } from '../data/targets';

/**
 * When npm takes a malicious package down it often publishes a `0.0.1-security`
 * placeholder under the name, so that nobody can register it again. Whatever the project
 * has installed under that name is the malicious code.
 */
export const securityHolder = defineRule({
  id: 'security-holder',
  summary: "The registry serves npm's security placeholder: the real package was removed as malicious.",
  severity: 'error',
  data: ['registry'],
  fixes: [],
  perName: {},
  check(ctx) {
    for (const t of ctx.data.targets) {
      if (!t.packument || !isSecurityPlaceholder(t.packument)) continue;
      const placeholder = t.packument.distTags.latest ?? t.packument.versionNames[0];
      ctx.report(
        targetReport(t, `"${t.name}" was taken down by npm for security reasons: the registry now serves only the placeholder ${placeholder}. The package was malicious; ${describeTarget(t)} must not be installed.`,
          { evidence: [`registry: ${t.lookup?.registry ?? ''}`, `dist-tags.latest: ${placeholder}`] },
        ),
      );
    }
  },
});
