import { defineRule } from './context';
import { trustSignals, type TrustSignal } from '../review/trust-delta';
import { describeTarget, previousRelease, targetReport } from '../data/targets';
import { assessAddedDependency, publishersOf, weighAudit, type AddedDependencyRisk, type AuditWeight } from './risk-signals';
import { LIMITS, truncate } from '../text/untrusted';
import { compareVersions, releaseParts } from '../text/version';

/** Added dependencies judged per release; the rest are counted (bounded work and output). */
const MAX_JUDGED = 10;

/**
 * A hijacked release looks different from the ones before it: someone else published it,
 * it lacks the provenance the project's CI used to attach, it suddenly runs a script on
 * install, ships a new executable, or pulls in a new dependency in a mere patch release.
 *
 * Each of those alone is common in ordinary releases (maintainers take turns publishing,
 * patch releases add established helpers: array-includes 3.1.9 added call-bound), so a
 * single signal is `info`: evidence in the hover and reports. It is a `warning` when
 * what the release added is itself risky (event-stream 3.3.6 added flatmap-stream: brand
 * new, one version, published by someone who had never published event-stream), or when
 * signals combine (a new publisher and a new install script: the hijacked-version shape).
 * The message says which evidence made it a warning.
 *
 * Where the release's tarball was read (package audit, #14), the audit weighs in: code
 * that runs at install and steals or downloads-and-runs makes it an error, a medium signal
 * there counts as one more signal; a clean read answers "a new install script" and "a new
 * executable" (it read them), so those no longer count towards a warning.
 */
export const trustChange = defineRule({
  id: 'trust-change',
  summary: 'Compared with the previous release, something that signals trust changed.',
  severity: 'warning',
  data: ['registry'],
  fixes: [],
  // The added dependencies' own packuments are judged too (assessAddedDependency).
  perName: { reads: (t) => Object.keys(t.info?.dependencies ?? {}) },
  check(ctx) {
    const now = ctx.now.getTime();
    for (const t of ctx.data.targets) {
      if (!t.packument || !t.info || !t.version) continue;
      const prev = previousRelease(t.packument, t.version);
      if (!prev) continue;
      const signals = trustSignals(prev, t.info, { onlyPatchDependencies: true, isPatch: isPatchBump(prev.version, t.version) });
      if (signals.length === 0) continue;
      const added = signals.find((s) => s.kind === 'added-dependencies')?.added ?? [];
      const parent = { name: t.name, packument: t.packument, version: t.version, publishers: added.length ? publishersOf(t.packument, t.version) : undefined };
      const judged = added.slice(0, MAX_JUDGED).map(([name, spec]) => assessAddedDependency(name, spec, ctx.remote?.packuments.get(name), parent, now));
      const audit = weighAudit(ctx.data.auditOf(t));
      const verdict = judge(signals, judged, audit);
      const evidence = [...signals.map((s) => s.text), ...judged.map(dependencyLine)];
      if (added.length > MAX_JUDGED) evidence.push(`${added.length - MAX_JUDGED} more added dependencies were not checked`);
      if (audit) evidence.push(audit.text, ...audit.evidence);
      const changes = signals.map((s) => s.text).join('; ');
      const error = audit?.verdict === 'malicious';
      const message = error
        ? `${describeTarget(t)}, compared with ${prev.version}: ${changes}. An error: ${audit.text}. Do not install this release.`
        : verdict.reasons.length
          ? `${describeTarget(t)}, compared with ${prev.version}: ${changes}. A warning because ${verdict.reasons.join('; and ')}. Hijacked releases look like this; check the release before trusting it.`
          : `${describeTarget(t)}, compared with ${prev.version}: ${changes}. ${verdict.quiet}`;
      ctx.report(targetReport(t, message, { span: t.versionSpan, severity: error ? 'error' : verdict.reasons.length ? 'warning' : 'info', evidence }));
    }
  },
});

const SIGNAL_WORDS: Record<TrustSignal['kind'], string> = {
  'new-publisher': 'a new publisher',
  'lost-provenance': 'lost provenance',
  'gained-install-script': 'a new install script',
  'gained-bin': 'a new executable',
  'added-dependencies': 'an added dependency that is not established',
};

/**
 * Why the release deserves a warning (empty: it does not), or why it stays quiet.
 * - An added dependency that is risky on its own (risk-signals.ts) is enough.
 * - Otherwise two signals of the release together: its own changes (publisher,
 *   provenance, install script, executable) and, as one more, added dependencies that
 *   could not be checked or have no repository or a stranger publisher. Established or
 *   merely new additions count nothing.
 */
function judge(signals: TrustSignal[], judged: AddedDependencyRisk[], audit: AuditWeight | undefined): { reasons: string[]; quiet: string } {
  const reasons: string[] = [];
  const risky = judged.filter((d) => d.risky);
  for (const d of risky) reasons.push(`the added dependency "${truncate(d.name, LIMITS.name)}" is risky: ${d.facts.map((f) => f.text).join(', ')}`);
  // A clean audit read the new install script and the files it runs: they are answered.
  const answered = new Set<TrustSignal['kind']>(audit?.verdict === 'clean' ? ['gained-install-script', 'gained-bin'] : []);
  const kinds: TrustSignal['kind'][] = signals.map((s) => s.kind).filter((k) => k !== 'added-dependencies' && !answered.has(k));
  // Young alone is how an organisation's own new package looks (babel adds its new plugins
  // the day they are first published): only an unchecked dependency or another fact counts.
  const doubtful = judged.some((d) => !d.checked || d.facts.some((f) => f.kind !== 'young' && f.kind !== 'few-versions'));
  if (doubtful) kinds.push('added-dependencies');
  // A medium signal in install-time code counts as one more signal of the release.
  const words = kinds.map((k) => SIGNAL_WORDS[k]);
  if (audit?.verdict === 'suspicious') words.push(`what the audit found (${audit.text})`);
  if (!risky.length && words.length >= 2) {
    const shape = kinds.includes('gained-install-script') && (kinds.includes('new-publisher') || kinds.includes('lost-provenance')) ? ' (the shape of a hijacked release)' : '';
    reasons.push(`${words.join(' together with ')} in one release${shape}`);
  }
  const unchecked = judged.filter((d) => !d.checked);
  let quiet = 'Alone this is common in ordinary releases: shown as evidence, not a warning.';
  if (answered.size && signals.some((s) => answered.has(s.kind))) quiet = `Not a warning: ${audit!.text}.`;
  else if (unchecked.length) quiet = `The added ${unchecked.length === 1 ? 'dependency was' : 'dependencies were'} not checked (${unchecked.map((d) => `${truncate(d.name, LIMITS.name)}: ${d.notChecked}`).join('; ')}); alone this is evidence, not a warning.`;
  else if (judged.length && judged.every((d) => !d.risky)) quiet = `The added ${judged.length === 1 ? 'dependency is' : 'dependencies are'} not risky on the registry's evidence, so this is shown as evidence, not a warning.`;
  return { reasons, quiet };
}

function dependencyLine(d: AddedDependencyRisk): string {
  const name = `added dependency "${truncate(d.name, LIMITS.name)}"`;
  if (!d.checked) return `${name}: not checked (${d.notChecked})`;
  if (d.risky) return `${name}: risky: ${d.facts.map((f) => f.text).join('; ')}`;
  if (d.facts.length) return `${name}: ${d.facts.map((f) => f.text).join('; ')} (not enough alone)`;
  return `${name}: ${d.established}`;
}

function isPatchBump(from: string, to: string): boolean {
  const a = releaseParts(from);
  const b = releaseParts(to);
  return a[0] === b[0] && a[1] === b[1] && compareVersions(to, from) > 0;
}
