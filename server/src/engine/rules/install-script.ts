import type { Finding, Lockfile } from '../model';
import type { Rule } from './context';
import { scriptPolicyFor } from '../policy/script-policy';
import { profileOf } from '../lockfile/profiles';

/**
 * Install scripts run with the user's rights the moment a package is installed, before
 * anyone imports it: the route of ua-parser-js (2021), the Nx "s1ngularity" release and
 * the Shai-Hulud worm (2025). Whether it matters depends on whether the package manager
 * would run it, so the severity follows the project's script policy.
 *
 * This rule reads the lockfile's flags (hasInstallScript / requiresBuild); the registry
 * half (install-script-registry) reads the scripts themselves from packuments.
 */
export const installScript: Rule = {
  id: 'install-script',
  defaultSeverity: 'info',
  run({ project }) {
    const findings: Finding[] = [];
    for (const l of project.lockfiles) {
      const graph = project.graphs.get(l.path);
      let policy: ReturnType<typeof scriptPolicyFor> | undefined;
      for (const p of l.packages) {
        if (!p.hasInstallScript) continue;
        // Your own workspaces and linked folders are not third-party code.
        if (p.source === 'workspace' || p.source === 'link' || p.source === 'directory') continue;
        policy ??= scriptPolicyFor(project, l);
        const decision = policy.decide(p);
        const hook = p.source === 'git' ? 'an install or prepare script' : 'an install script (preinstall, install or postinstall)';
        const verdict = decision.runs
          ? `${policy.packageManager.name} would run it: ${decision.reason}.`
          : decision.certain
            ? `${policy.packageManager.name} would not run it: ${decision.reason}.`
            : `It may not run: ${decision.reason}.`;
        findings.push({
          rule: 'install-script',
          severity: decision.runs ? 'warning' : 'info',
          message: `${p.name}@${p.version} has ${hook}, per the lockfile's ${flagName(l)}. ${verdict}`,
          file: l.path,
          span: p.keySpan ?? p.span,
          package: p.name,
          version: p.version,
          via: graph?.via(p.id) ?? [p.name],
          fixes: decision.runs && decision.fix ? [decision.fix] : [],
          evidence: [`package manager: ${policy.packageManager.name}${policy.packageManager.major !== undefined ? ' ' + policy.packageManager.major : ''} (${policy.packageManager.evidence})`],
        });
      }
    }
    return findings;
  },
};

function flagName(l: Lockfile): string {
  return profileOf(l).records.installScripts?.flag ?? 'hasInstallScript';
}
