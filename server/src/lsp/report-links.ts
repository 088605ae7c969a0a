/**
 * "Report this package to npm" and "Copy IOC": shared by the code actions and the hover, so
 * that both offer the same link and the same text.
 */
import { createHash } from 'node:crypto';
import type { Finding, RuleId } from '../engine/model';
import { MESSAGE_MAX, oneLine } from './markdown';
import { IOC_ID } from './protocol';

/** Findings that say a package may be malicious: worth reporting to the registry and sharing with a team. */
export const REPORTABLE_RULES = new Set<RuleId>([
  'known-malware',
  'typosquat',
  'security-holder',
  'trust-change',
  'install-script',
  'dependency-confusion',
  'removed-from-registry',
  'remote-dynamic-dependency',
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
  // Each piece on its own line, cut to length: a name with a line break in it must not
  // add an indicator of its own to the list (or a command to whatever it is pasted into).
  const lines = [oneLine(f.version ? `${f.package}@${f.version}` : f.package!)];
  for (const x of list) {
    lines.push(`# ${x.rule}: ${oneLine(x.message, MESSAGE_MAX)}`);
    for (const e of (x.evidence ?? []).slice(0, MAX_EVIDENCE_LINES)) lines.push(`# ${oneLine(e, MESSAGE_MAX)}`);
  }
  if (f.via && f.via.length > 1) lines.push(`# via ${oneLine(f.via.join(' > '), MESSAGE_MAX)}`);
  lines.push(`# found in ${oneLine(f.file, MESSAGE_MAX)}`);
  return lines.join('\n');
}

/** Evidence lines per finding in an IOC text: enough for a ticket, bounded whatever an answer holds. */
const MAX_EVIDENCE_LINES = 20;

// What a "Copy IOC" link may carry (an id, never the text); defined with the protocol, which the client shares.
export { IOC_ID };

/**
 * The IOC texts the hover's "Copy IOC" links stand for. A command link in Markdown that
 * carried the text itself would copy whatever text a link injected into the card named;
 * the link carries an id, and the client asks the server for the text (`depwarden/iocText`),
 * so that only text the server built can reach the clipboard. The id is a hash of the text
 * (hovering the same package again adds nothing); the oldest texts go past `max`.
 */
export class IocTexts {
  private readonly texts = new Map<string, string>();

  constructor(private readonly max = 256) {}

  put(text: string): string {
    const id = createHash('sha256').update(text).digest('hex').slice(0, 32);
    this.texts.delete(id); // re-inserted: the most recent
    this.texts.set(id, text);
    while (this.texts.size > this.max) this.texts.delete(this.texts.keys().next().value!);
    return id;
  }

  get(id: unknown): string | undefined {
    return typeof id === 'string' && IOC_ID.test(id) ? this.texts.get(id) : undefined;
  }
}
