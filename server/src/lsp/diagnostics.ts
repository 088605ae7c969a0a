import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type DiagnosticRelatedInformation, type Range } from 'vscode-languageserver';
import type { Finding, Severity, Span } from '../engine/model';
import { roleOfPath } from '../engine/project';
import { ruleDocUrl } from '../engine/rules/catalog';
import { cleanText } from '../engine/text/untrusted';
import type { PositionMapper } from './positions';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface DiagnosticData {
  /** Index of the finding in the scan result it came from. */
  finding: number;
  generation: number;
}

/**
 * Where a finding that concerns both a lockfile entry and a package.json line is shown
 * (`depwarden.lockfileFindings`): `auto` on the package.json line for a direct dependency
 * (where the user acts) and on the lockfile entry for a package pulled in by another;
 * `lockfile` and `package.json` always there; `both` at every place (one problem each).
 */
export const LOCKFILE_FINDINGS = ['auto', 'lockfile', 'package.json', 'both'] as const;
export type LockfileFindings = (typeof LOCKFILE_FINDINGS)[number];

export interface Place {
  file: string;
  span: Span;
}

/**
 * The places of a finding (its own, then `also`), and which of them the Problems panel
 * shows: one, except with `both`. The others become the diagnostic's relatedInformation;
 * hovers and code actions answer at all of them.
 */
export function placesOf(f: Finding, mode: LockfileFindings): { all: Place[]; shown: Place[] } {
  const all: Place[] = [{ file: f.file, span: f.span }, ...(f.also ?? [])];
  if (all.length === 1 || mode === 'both') return { all, shown: all };
  const onManifest = all.find((p) => roleOfPath(p.file) === 'manifest');
  const elsewhere = all.find((p) => roleOfPath(p.file) !== 'manifest');
  const direct = !f.via || f.via.length <= 1;
  const preferManifest = mode === 'package.json' || (mode === 'auto' && direct);
  return { all, shown: [(preferManifest ? onManifest : elsewhere) ?? all[0]] };
}

/** How many diagnostics the finding gives (what the status bar counts, so that it matches the Problems panel). */
export function shownCount(f: Finding, mode: LockfileFindings): number {
  return f.suppressed ? 0 : placesOf(f, mode).shown.length;
}

/** Groups findings into diagnostics per file uri: each finding once (see placesOf), linking its other places. */
export function findingsToDiagnostics(
  findings: Finding[],
  generation: number,
  uriOf: (file: string) => string,
  textOf: (file: string) => string | undefined,
  positions: PositionMapper,
  mode: LockfileFindings = 'auto',
): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const rangeOf = (p: Place) => {
    const text = textOf(p.file);
    return text === undefined ? undefined : positions.range(uriOf(p.file), text, p.span);
  };
  findings.forEach((f, index) => {
    if (f.suppressed) return;
    const { all, shown } = placesOf(f, mode);
    for (const place of shown) {
      const range = rangeOf(place);
      if (!range) continue;
      const uri = uriOf(place.file);
      if (!out.has(uri)) out.set(uri, []);
      out.get(uri)!.push(diagnosticFor(f, { finding: index, generation }, range, related(f, place, all, uriOf, rangeOf)));
    }
  });
  return out;
}

/**
 * Diagnostics for the code action request at a place where a finding is reachable but not
 * shown (the lockfile entry of a finding shown on its package.json line, or the reverse):
 * its quick fixes are offered there too. Not published: only handed to the code actions.
 */
export function unshownDiagnostics(
  findings: Finding[],
  generation: number,
  file: string,
  range: Range,
  uriOf: (file: string) => string,
  textOf: (file: string) => string | undefined,
  positions: PositionMapper,
  mode: LockfileFindings,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const text = textOf(file);
  if (text === undefined) return out;
  findings.forEach((f, index) => {
    if (f.suppressed || !f.also?.length) return;
    const { all, shown } = placesOf(f, mode);
    for (const place of all) {
      if (place.file !== file || shown.includes(place)) continue;
      const r = positions.range(uriOf(file), text, place.span);
      if (overlaps(r, range)) out.push(diagnosticFor(f, { finding: index, generation }, r, undefined));
    }
  });
  return out;
}

function diagnosticFor(f: Finding, data: DiagnosticData, range: Range, relatedInformation: DiagnosticRelatedInformation[] | undefined): Diagnostic {
  const via = f.via && f.via.length > 1 ? ` (via ${f.via.join(' > ')})` : '';
  const diag: Diagnostic = {
    severity: SEVERITY[f.severity],
    code: f.rule,
    codeDescription: { href: ruleDocUrl(f.rule) },
    source: 'depwarden',
    // Messages quote names, specs and registry text: no control characters (a line break
    // or a bidi override reshapes what the Problems panel shows) and a bounded length.
    message: cleanText(f.message + via),
    range,
    data,
  };
  if (relatedInformation?.length) diag.relatedInformation = relatedInformation;
  if (f.rule === 'deprecated') diag.tags = [DiagnosticTag.Deprecated];
  return diag;
}

/** The finding's other places, each saying what it is from where the diagnostic stands. */
function related(f: Finding, shown: Place, all: Place[], uriOf: (file: string) => string, rangeOf: (p: Place) => Range | undefined): DiagnosticRelatedInformation[] {
  const out: DiagnosticRelatedInformation[] = [];
  for (const p of all) {
    if (p === shown) continue;
    const range = rangeOf(p);
    if (!range) continue;
    let message: string;
    if (roleOfPath(p.file) !== 'manifest') message = `${f.package ? `${f.package}${f.version ? `@${f.version}` : ''} ` : ''}locked in ${p.file}`;
    else if (f.via && f.via.length > 1) message = `pulled in by "${f.via[0]}" in ${p.file}`;
    else message = `declared in ${p.file}`;
    out.push({ location: { uri: uriOf(p.file), range }, message: cleanText(message) });
  }
  return out;
}

function overlaps(a: Range, b: Range): boolean {
  const before = (x: Range['start'], y: Range['start']) => x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/**
 * Whether the message already names its package, at its version when it has one
 * ("crossenv@6.1.1 has an install script"): then the report does not put
 * "crossenv@6.1.1: " in front of it. A message with the name alone still gets the
 * version, which a package.json line does not show.
 */
export function namesItsPackage(f: Pick<Finding, 'message' | 'package' | 'version'>): boolean {
  return !!f.package && f.message.includes(f.version ? `${f.package}@${f.version}` : f.package);
}
