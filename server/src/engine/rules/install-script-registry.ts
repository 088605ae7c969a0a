import type { Finding } from '../model';
import type { Rule } from './context';
import { describeTarget, remoteTargets, targetFinding } from '../data/targets';
import { scriptPolicyFor } from '../policy/script-policy';
import { recordsInstallScripts } from '../lockfile/profiles';
import { LIMITS, truncate } from '../text/untrusted';

const RUNS_ON_INSTALL = ['preinstall', 'install', 'postinstall'];

/**
 * The registry half of `install-script` (same id; install-script.ts reads lockfile
 * flags): for versions whose lockfile says nothing about scripts (yarn, bun, pnpm 9+
 * lockfiles, or a package.json without a lockfile), the packument's scripts tell.
 */
export const installScriptRegistry: Rule = {
  id: 'install-script',
  defaultSeverity: 'info',
  needsRemote: true,
  run(ctx) {
    const findings: Finding[] = [];
    const policies = new Map<string, ReturnType<typeof scriptPolicyFor>>();
    for (const t of remoteTargets(ctx)) {
      if (t.lockfile && recordsInstallScripts(t.lockfile)) continue;
      const scripts = t.info?.scripts;
      const hooks = RUNS_ON_INSTALL.filter((s) => scripts?.[s]);
      if (!scripts || hooks.length === 0 || !t.version) continue;
      const key = t.lockfile?.path ?? t.file;
      let policy = policies.get(key);
      if (!policy) policies.set(key, (policy = scriptPolicyFor(ctx.project, t.lockfile, t.manifest?.path)));
      const decision = policy.decide({ name: t.displayName, realName: t.name, version: t.version, source: 'registry' });
      const pm = policy.packageManager.name;
      const verdict = decision.runs ? `${pm} would run it: ${decision.reason}.` : decision.certain ? `${pm} would not run it: ${decision.reason}.` : `It may not run: ${decision.reason}.`;
      // Script text is the publisher's: capped so that a huge one cannot flood the report.
      const scriptText = hooks.map((h) => `${h}: ${truncate(scripts[h], LIMITS.text)}`);
      const list = scriptText.join('; ');
      findings.push(
        targetFinding(t, 'install-script', decision.runs ? 'warning' : 'info', `${describeTarget(t)} runs a script when installed (${list}), per the registry. ${verdict}`, {
          fixes: decision.runs && decision.fix ? [decision.fix] : [],
          evidence: scriptText,
        }),
      );
    }
    return findings;
  },
};
