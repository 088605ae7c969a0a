import type { Lockfile } from '../model';
import { lockfileEntryReport } from './lockfile-finding';
import { reportRegistryInstallScripts } from './install-script-registry';
import { defineRule } from './context';
import { scriptPolicyFor } from '../policy/script-policy';
import { profileOf } from '../lockfile/profiles';

/**
 * Install scripts run with the user's rights the moment a package is installed, before
 * anyone imports it: the route of ua-parser-js (2021), the Nx "s1ngularity" release and
 * the Shai-Hulud worm (2025). Whether it matters depends on whether the package manager
 * would run it, so the severity follows the project's script policy.
 *
 * This file reads the lockfile's flags (hasInstallScript / requiresBuild); the registry
 * half (install-script-registry.ts) reads the scripts themselves from packuments.
 */
export const installScript = defineRule({
  id: 'install-script',
  summary: 'The package runs a script when installed.',
  severity: 'info',
  data: ['local', 'registry'],
  fixes: ['deny-scripts'],
  check(ctx) {
    const { project } = ctx;
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
        ctx.report(
          lockfileEntryReport(l, graph, p, `${p.name}@${p.version} has ${hook}, per the lockfile's ${flagName(l)}. ${verdict}`, {
            severity: decision.runs ? 'warning' : 'info',
            fixes: decision.runs && decision.fix ? [decision.fix] : [],
            evidence: [`package manager: ${policy.packageManager.name}${policy.packageManager.major !== undefined ? ' ' + policy.packageManager.major : ''} (${policy.packageManager.evidence})`],
          }),
        );
      }
    }
    // The registry's word for lockfiles that record no install scripts.
    if (ctx.remote) reportRegistryInstallScripts(ctx);
  },
});

function flagName(l: Lockfile): string {
  return profileOf(l).records.installScripts?.flag ?? 'hasInstallScript';
}
