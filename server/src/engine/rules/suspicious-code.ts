import { defineRule } from './context';
import { describeTarget, targetReport } from '../data/targets';
import { auditKey } from '../audit/audit-project';
import { highestSeverity, type AuditResult, type AuditSignal } from '../audit/model';
import type { Severity } from '../model';
import { LIMITS, truncate } from '../text/untrusted';

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
  check(ctx) {
    const audits = ctx.remote?.audits;
    if (!audits || audits.size === 0) return;
    for (const t of ctx.data.targets) {
      if (!t.version) continue;
      const result = audits.get(auditKey(t.name, t.version));
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
  const worst = highestSeverity(result.signals);
  const changes = diffLines(result);
  if (!worst) {
    // Clean, but what runs at install time changed: worth knowing when judging the release.
    if (!result.diff?.installTimeChanged.length && !Object.keys(result.diff?.installScriptsChanged ?? {}).length) return undefined;
    return { severity: 'info', message: `nothing suspicious in its published code, but what runs at install time changed since ${truncate(result.previousVersion ?? 'the previous release', LIMITS.version)}.`, evidence: changes };
  }
  const signals = [...result.signals].sort((a, b) => rank(a) - rank(b));
  const head = signals[0];
  const more = signals.length > 1 ? `; ${signals.length - 1} more signal${signals.length === 2 ? '' : 's'}` : '';
  return {
    severity: SEVERITY_OF[worst],
    message: `${head.message.replace(/\.$/, '')} (${where(head)}${head.installTime ? ', run at install time' : ''}${more}).`,
    evidence: [...signals.slice(0, 20).map((s) => `${s.severity} ${s.id} ${where(s)}: ${truncate(s.evidence.text, LIMITS.text)}`), ...changes],
  };
}

/** The diff against the previous release, as evidence lines: install-time changes first. */
function diffLines(result: Extract<AuditResult, { status: 'ok' }>): string[] {
  const d = result.diff;
  if (!d || !result.previousVersion) return [];
  const since = `since ${truncate(result.previousVersion, LIMITS.version)}`;
  const lines: string[] = [];
  for (const [hook, command] of Object.entries(d.installScriptsChanged)) lines.push(`${hook} script new or changed ${since}: ${truncate(command, LIMITS.text)}`);
  for (const f of d.installTimeChanged) lines.push(`install-time file ${f.change} ${since}: ${truncate(f.file, LIMITS.text)}`);
  lines.push(`files ${since}: ${d.counts.added} added, ${d.counts.changed} changed, ${d.counts.removed} removed`);
  return lines;
}

function rank(s: AuditSignal): number {
  return (s.severity === 'high' ? 0 : s.severity === 'medium' ? 2 : 4) + (s.installTime ? 0 : 1);
}

function where(s: AuditSignal): string {
  const file = truncate(s.evidence.file, LIMITS.text);
  return s.evidence.line > 0 ? `${file}:${s.evidence.line}` : file;
}
