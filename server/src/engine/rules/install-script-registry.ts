import type { RuleContext } from './context';
import { describeTarget, previousRelease, targetReport, type EvaluatedTarget } from '../data/targets';
import { scriptPolicyFor, type ScriptDecision, type ScriptPolicy } from '../policy/script-policy';
import { LIMITS, truncate } from '../text/untrusted';
import {
  dangerousScriptFact,
  fewVersionsFact,
  imitationFact,
  installHooks,
  hasHistory,
  isEstablished,
  isRisky,
  publisherFacts,
  newInstallScriptFact,
  noRepositoryFact,
  publishedAt,
  weighAudit,
  withAudit,
  youngFact,
  type RiskFact,
} from './risk-signals';
import { firstPublished, formatAge } from './new-package';

const YEAR = 365 * 24 * 3600_000;
/** Facts whose strength risk-signals.ts (or the age check below) decides; every other fact is enough alone here. */
const OWN_STRENGTH = new Set<RiskFact['kind']>(['changed-install-script', 'new-publisher', 'lost-provenance', 'new-install-script']);

/**
 * The registry half of `install-script` (install-script.ts declares the rule and reads
 * lockfile flags). Where the registry serves the version, its manifest decides whether
 * there is an install script at all: lockfile flags are hints (pnpm 8 marks
 * `requiresBuild: true` on fsevents 2, @esbuild/* and node-gyp-build, whose manifests
 * have no install script).
 *
 * An install script of an established package (years of releases, a repository, the same
 * script as its previous release: esbuild, core-js, sharp) is `info` even when the package
 * manager would run it. It is a `warning` when the package manager would run it and the
 * version itself is risky: the install hook is new since the previous release, the script
 * text fetches or decodes something, or the package is young, has few versions, no
 * repository, or imitates a popular name. Weaker facts (the script's text changed, a new
 * publisher, lost provenance, a hook added in a version public for over a year) warn only
 * together.
 *
 * Where the version's tarball was read (package audit, #14), what it found weighs in
 * (risk-signals.ts weighAudit): install-time code that posts the environment or downloads
 * and runs something is an error whether or not the registry data looked risky; a clean
 * read answers the guesses (`node-gyp rebuild`, esbuild fetching its platform binary, a
 * prebuilt binary from the package's own GitHub release are not warnings).
 */
export function reportRegistryInstallScripts(ctx: RuleContext): void {
  const policies = new Map<string, ScriptPolicy>();
  const now = ctx.now.getTime();
  for (const t of ctx.data.targets) {
    const hooks = installHooks(t.info);
    if (!t.info || !t.packument || hooks.length === 0 || !t.version) continue;
    const key = t.lockfile?.path ?? t.file;
    let policy = policies.get(key);
    if (!policy) policies.set(key, (policy = scriptPolicyFor(ctx.project, t.lockfile, t.manifest?.path)));
    const decision = policy.decide(t.locked ?? { name: t.displayName, realName: t.name, version: t.version, source: 'registry' });
    const verdict = verdictText(policy, decision);
    // Script text is the publisher's: capped so that a huge one cannot flood the report.
    const scriptText = hooks.map(([h, s]) => `${h}: ${truncate(s, LIMITS.text)}`);
    const list = scriptText.join('; ');
    const audit = weighAudit(ctx.data.auditOf(t));
    const facts = withAudit(riskFacts(t, now), audit);
    // Malicious install-time code is an error even where this package manager would not
    // run it: the package is in the tree, and one allow-list entry away from running.
    const malicious = audit?.verdict === 'malicious';
    const warn = malicious || (decision.runs && isRisky(facts));
    const why = facts.filter((f) => !f.answered).map((f) => f.text).join('; ');
    const answered = facts.filter((f) => f.answered).map((f) => f.text).join('; ');
    let message = `${describeTarget(t)} runs a script when installed (${list}), per the registry. ${verdict}`;
    if (malicious) message += ` An error: ${audit.text}.`;
    else if (warn) message += ` A warning because ${why}.`;
    else if (audit?.verdict === 'clean' && decision.runs) message += ` Not a warning: ${audit.text}${answered ? `, which answers what the registry data suggested (${answered})` : ''}.`;
    else if (decision.runs && why) message += ` Shown as evidence, not a warning: ${why} (not enough alone).`;
    else if (decision.runs) message += ` ${established(t, now)}: shown as evidence, not a warning.`;
    else if (why) message += ` Note: ${why}.`;
    if (audit?.verdict === 'unclear') message += ` (${audit.text}.)`;
    ctx.report(
      targetReport(t, message, {
        severity: malicious ? 'error' : warn ? 'warning' : 'info',
        fixes: decision.runs && decision.fix ? [decision.fix] : [],
        evidence: [...scriptText, `package manager: ${describeManager(policy)}; ${verdict}`, ...facts.filter((f) => f.kind !== 'malicious-code' && f.kind !== 'suspicious-code').map((f) => (f.answered ? `${f.text} (answered by the audit)` : f.text)), ...(audit ? [audit.text, ...audit.evidence] : [])],
      }),
    );
  }
}

/** What makes this version's install script worth a warning (empty: nothing does). */
function riskFacts(t: EvaluatedTarget, now: number): RiskFact[] {
  const p = t.packument!;
  const info = t.info!;
  const facts: RiskFact[] = [];
  const push = (f: RiskFact | undefined) => f && facts.push(f);
  const prev = previousRelease(p, info.version);
  const released = publishedAt(p, info.version);
  const added = newInstallScriptFact(info, prev);
  // A version public for a year and never taken down has been looked at by many: a hook it
  // added then is evidence, no longer a warning alone (fsevents 1.2.13, 2020).
  if (added?.strong && released !== undefined && now - released >= YEAR) push({ ...added, strong: false, text: `${added.text}, but ${truncate(info.version, LIMITS.version)} has been on the registry for ${formatAge(now - released)}` });
  else push(added);
  facts.push(...publisherFacts(info, prev));
  push(dangerousScriptFact(info));
  // A package that has since become established, or a version public for a year, has
  // proven itself, whatever the package's age was when this version came out.
  if (!isEstablished(p, now) && (released === undefined || now - released < YEAR)) push(youngFact(p, released ?? now, truncate(info.version, LIMITS.version)));
  push(fewVersionsFact(p, now));
  push(noRepositoryFact(info));
  push(imitationFact(t.name, p, now));
  // For a script that would run, each of these alone is a warning; the weak ones (a
  // changed script, a new publisher, lost provenance) only together.
  return facts.map((f) => (OWN_STRENGTH.has(f.kind) ? f : { ...f, strong: true }));
}

function established(t: EvaluatedTarget, now: number): string {
  const p = t.packument!;
  const created = firstPublished(p);
  const count = p.versionCount;
  const prev = previousRelease(p, t.info!.version);
  const parts = [created !== undefined ? `first published ${formatAge(Math.max(0, now - created))} ago` : undefined, hasHistory(p) ? `${count} versions` : undefined, 'a repository', prev ? `the same script in ${truncate(prev.version, LIMITS.version)}` : undefined];
  return `Nothing in the registry data marks this version as risky (${parts.filter(Boolean).join(', ')})`;
}

export function verdictText(policy: ScriptPolicy, decision: ScriptDecision): string {
  const pm = policy.packageManager.name;
  return decision.runs ? `${pm} would run it: ${decision.reason}.` : decision.certain ? `${pm} would not run it: ${decision.reason}.` : `It may not run: ${decision.reason}.`;
}

export function describeManager(policy: ScriptPolicy): string {
  const pm = policy.packageManager;
  return `${pm.name}${pm.major !== undefined ? ' ' + pm.major : ''} (${pm.evidence})`;
}
