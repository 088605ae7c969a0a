import type { Lockfile } from '../model';
import { lockfileEntryReport } from './lockfile-finding';
import { describeManager, reportRegistryInstallScripts, verdictText } from './install-script-registry';
import { defineRule, wanted, type RuleContext } from './context';
import { scriptPolicyFor } from '../policy/script-policy';
import { profileOf } from '../lockfile/profiles';
import { weighAudit } from './risk-signals';

/**
 * Install scripts run with the user's rights the moment a package is installed, before
 * anyone imports it: the route of ua-parser-js (2021), the Nx "s1ngularity" release and
 * the Shai-Hulud worm (2025). Whether it matters depends on whether the package manager
 * would run it, and on whether the version itself is risky (install-script-registry.ts).
 *
 * This file reads the lockfile's flags (hasInstallScript / requiresBuild). They are hints:
 * pnpm 8 sets requiresBuild on packages with no install script at all. So where the
 * registry serves the version, the registry half decides and this half stays silent; a
 * flag the registry could not confirm (offline, lookup failed, version not served) is
 * reported as `info`, with the package manager's verdict.
 */
export const installScript = defineRule({
  id: 'install-script',
  summary: 'The package runs a script when installed.',
  severity: 'info',
  data: ['local', 'registry'],
  fixes: ['deny-scripts'],
  perName: {},
  check(ctx) {
    const { project } = ctx;
    const known = registryKnown(ctx);
    for (const l of project.lockfiles) {
      const graph = project.graphs.get(l.path);
      let policy: ReturnType<typeof scriptPolicyFor> | undefined;
      for (const p of l.packages) {
        if (!p.hasInstallScript) continue;
        // Your own workspaces and linked folders are not third-party code.
        if (p.source === 'workspace' || p.source === 'link' || p.source === 'directory') continue;
        if (!wanted(ctx, p.realName ?? p.name)) continue;
        const unconfirmed = p.source === 'registry' ? known.get(`${l.path}\0${p.realName ?? p.name}@${p.version}`) : 'not a registry package';
        // The registry's manifest is known: install-script-registry.ts decides.
        if (unconfirmed === '') continue;
        policy ??= scriptPolicyFor(project, l);
        const decision = policy.decide(p);
        const hook = p.source === 'git' ? 'an install or prepare script' : 'an install script (preinstall, install or postinstall)';
        const verdict = verdictText(policy, decision);
        const why = unconfirmed ?? (ctx.remote ? 'no registry data' : 'no registry data (offline)');
        // An earlier audit of these very bytes (found by the lockfile's integrity, offline too) says what the flag cannot.
        const audit = p.source === 'registry' ? weighAudit(ctx.data.auditOfVersion(p.realName ?? p.name, p.version, p.integrity)) : undefined;
        const severity = audit?.verdict === 'malicious' ? 'error' : audit?.verdict === 'suspicious' && decision.runs ? 'warning' : 'info';
        ctx.report(
          lockfileEntryReport(l, graph, p, `${p.name}@${p.version} has ${hook}, per the lockfile's ${flagName(l)}; not confirmed by the registry (${why}). ${verdict}${audit ? ` ${audit.text.charAt(0).toUpperCase()}${audit.text.slice(1)}.` : ''}`, {
            severity,
            fixes: decision.runs && decision.fix ? [decision.fix] : [],
            evidence: [`${flagName(l)} in ${l.path} (a hint: some package managers set it for packages without install scripts)`, `package manager: ${describeManager(policy)}; ${verdict}`, ...(audit?.evidence ?? [])],
          }),
        );
      }
    }
    // The registry's word, for every version it serves.
    if (ctx.remote) reportRegistryInstallScripts(ctx);
  },
});

/**
 * lockfile path + name@version -> '' when the registry serves that version (its manifest
 * decides), else why it could not confirm the lockfile's flag.
 */
function registryKnown(ctx: RuleContext): Map<string, string> {
  const out = new Map<string, string>();
  if (!ctx.remote) return out;
  for (const t of ctx.data.targets) {
    if (!t.lockfile || !t.version) continue;
    const why = t.info ? '' : t.packument ? 'the registry does not serve this version' : (t.missing.find((m) => m.startsWith('registry')) ?? 'no registry data');
    out.set(`${t.lockfile.path}\0${t.name}@${t.version}`, why);
  }
  return out;
}

function flagName(l: Lockfile): string {
  return profileOf(l).records.installScripts?.flag ?? 'hasInstallScript';
}
