import type { RuleContext } from './context';
import { describeTarget, targetReport } from '../data/targets';
import { scriptPolicyFor } from '../policy/script-policy';
import { recordsInstallScripts } from '../lockfile/profiles';
import { LIMITS, truncate } from '../text/untrusted';

const RUNS_ON_INSTALL = ['preinstall', 'install', 'postinstall'];

/**
 * The registry half of `install-script` (install-script.ts declares the rule and reads
 * lockfile flags): for versions whose lockfile says nothing about scripts (yarn, bun,
 * pnpm 9+ lockfiles, or a package.json without a lockfile), the packument's scripts tell.
 */
export function reportRegistryInstallScripts(ctx: RuleContext): void {
  const policies = new Map<string, ReturnType<typeof scriptPolicyFor>>();
  for (const t of ctx.data.targets) {
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
    ctx.report(
      targetReport(t, `${describeTarget(t)} runs a script when installed (${list}), per the registry. ${verdict}`, {
        severity: decision.runs ? 'warning' : 'info',
        fixes: decision.runs && decision.fix ? [decision.fix] : [],
        evidence: scriptText,
      }),
    );
  }
}
