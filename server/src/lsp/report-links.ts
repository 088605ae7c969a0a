/**
 * "Report this package to npm" and "Copy IOC": shared by the code actions and the hover, so
 * that both offer the same link and the same text.
 */
import type { Finding, RuleId } from '../engine/model';

/** Findings that say a package may be malicious: worth reporting to the registry and sharing with a team. */
export const REPORTABLE_RULES = new Set<RuleId>([
  'known-malware',
  'typosquat',
  'security-holder',
  'trust-change',
  'install-script',
  'dependency-confusion',
  'removed-from-registry',
]);

export function isReportable(f: Finding): boolean {
  return REPORTABLE_RULES.has(f.rule) && !!f.package && !f.package.startsWith('.');
}

/** npm's form for reporting malware, with the package (and version, when known) filled in. */
export function npmReportUrl(name: string, version?: string | null): string {
  const params = new URLSearchParams({ inquire: 'security', 'security-inquire': 'malware', package: name });
  if (version) params.set('version', version);
  return `https://www.npmjs.com/support?${params.toString()}`;
}

/**
 * An indicator of compromise as text for a ticket or a chat: `name@version` on the first
 * line (a bare name when no version is known: every version; the format `--ioc` and
 * "Check Workspace Against Indicators of Compromise" read back), then what depwarden
 * found, as comment lines those readers skip. Several findings on one package share the
 * first line.
 */
export function iocText(findings: Finding | Finding[]): string {
  const list = Array.isArray(findings) ? findings : [findings];
  const f = list[0];
  const lines = [f.version ? `${f.package}@${f.version}` : f.package!];
  for (const x of list) {
    lines.push(`# ${x.rule}: ${x.message}`);
    for (const e of x.evidence ?? []) lines.push(`# ${e}`);
  }
  if (f.via && f.via.length > 1) lines.push(`# via ${f.via.join(' > ')}`);
  lines.push(`# found in ${f.file}`);
  return lines.join('\n');
}
