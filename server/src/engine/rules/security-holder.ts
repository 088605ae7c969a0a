import type { Finding } from '../model';
import type { Rule } from './context';
import { describeTarget, isSecurityPlaceholder, remoteTargets, targetFinding } from '../data/targets';

/**
 * When npm takes a malicious package down it often publishes a `0.0.1-security`
 * placeholder under the name, so that nobody can register it again. Whatever the project
 * has installed under that name is the malicious code.
 */
export const securityHolder: Rule = {
  id: 'security-holder',
  defaultSeverity: 'error',
  needsRemote: true,
  run(ctx) {
    const findings: Finding[] = [];
    for (const t of remoteTargets(ctx)) {
      if (!t.packument || !isSecurityPlaceholder(t.packument)) continue;
      const placeholder = t.packument.distTags.latest ?? Object.keys(t.packument.versions)[0];
      findings.push(
        targetFinding(
          t,
          'security-holder',
          'error',
          `"${t.name}" was taken down by npm for security reasons: the registry now serves only the placeholder ${placeholder}. The package was malicious; ${describeTarget(t)} must not be installed.`,
          { evidence: [`registry: ${t.lookup?.registry ?? ''}`, `dist-tags.latest: ${placeholder}`] },
        ),
      );
    }
    return findings;
  },
};
