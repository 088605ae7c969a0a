import { defineRule } from './context';
import { describeTarget, targetReport } from '../data/targets';
import { highestSeverity, type AuditResult } from '../audit/model';
import type { Severity } from '../model';
import { LIMITS, truncate } from '../text/untrusted';
import { ABOUT_METADATA, auditDiffLines as diffLines, rankSignals, signalPlace as where } from './risk-signals';

/**
 * What reading the published files found (package audit, issue #14): code that downloads
 * and runs a program at install time, reads credentials, sends the environment away, or
 * hides what it does. Metadata cannot tell `node-gyp rebuild` from `curl … | sh`; the
 * tarball can. Runs only where an audit was done (`scan --audit`, "Audit this version").
 */
export const suspiciousCode = defineRule({
  id: 'suspicious-code',
  summary: "Reading the package's published files found code that steals, downloads and runs, or hides what it does.",
  severity: 'warning',
  data: ['registry'],
  fixes: [],
  perName: {},
  check(ctx) {
    if (!ctx.remote?.audits?.size) return;
    for (const t of ctx.data.targets) {
      const result = ctx.data.auditOf(t);
      if (!result) continue;
      const verdict = verdictOf(result);
      if (!verdict) continue;
      ctx.report(targetReport(t, `${describeTarget(t)}: ${verdict.message}`, { severity: verdict.severity, evidence: verdict.evidence, span: t.versionSpan }));
    }
  },
});

const SEVERITY_OF: Record<'high' | 'medium' | 'low', Severity> = { high: 'error', medium: 'warning', low: 'info' };

/** What an audit says, as a finding; undefined for a clean read. */
function verdictOf(result: AuditResult): { severity: Severity; message: string; evidence: string[] } | undefined {
  if (result.status === 'error') {
    switch (result.kind) {
      // The bytes served are not the bytes locked: the tarball changed under a published
      // version, or something between us and the registry changed it.
      case 'integrity':
        return { severity: 'error', message: `its tarball does not match the integrity the lockfile or registry records: ${truncate(result.reason, LIMITS.text)}.`, evidence: [result.reason] };
      // Built to exhaust whoever reads it: no benign package does that.
      case 'bomb':
        return { severity: 'error', message: `its tarball is built to exhaust a reader (${truncate(result.reason, LIMITS.text)}).`, evidence: [result.reason] };
      // Not read: said, so that an unread package never looks like a clean one.
      default:
        return { severity: 'info', message: `not audited (${result.kind}): ${truncate(result.reason, LIMITS.text)}.`, evidence: [result.reason] };
    }
  }
  // A hook the previous release lacked is what install-script and trust-change say from
  // registry data; here it is evidence, and only what the code does sets the severity.
  const judged = result.signals.filter((s) => !ABOUT_METADATA.has(s.id));
  const worst = highestSeverity(judged);
  const changes = diffLines(result);
  if (!worst) {
    // Clean, but what runs at install time changed: worth knowing when judging the release.
    if (!result.diff?.installTimeChanged.length && !Object.keys(result.diff?.installScriptsChanged ?? {}).length) return undefined;
    return { severity: 'info', message: `nothing suspicious in its published code, but what runs at install time changed since ${truncate(result.previousVersion ?? 'the previous release', LIMITS.version)}.`, evidence: changes };
  }
  const signals = rankSignals(judged);
  const head = signals[0];
  const more = signals.length > 1 ? `; ${signals.length - 1} more signal${signals.length === 2 ? '' : 's'}` : '';
  return {
    severity: SEVERITY_OF[worst],
    message: `${head.message.replace(/\.$/, '')} (${where(head)}${head.installTime ? ', run at install time' : ''}${more}).`,
    evidence: [...signals.slice(0, 20).map((s) => `${s.severity} ${s.id} ${where(s)}: ${truncate(s.evidence.text, LIMITS.text)}`), ...changes],
  };
}
