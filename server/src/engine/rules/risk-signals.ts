/**
 * "Is this package version itself risky?": the evidence that turns a weak signal (a
 * dependency added in a patch release, an install script) into a warning (#12).
 *
 * Malicious packages are young, have one or a few versions, often no repository, imitate
 * a popular name, run a script on install, and are published by an account that has no
 * history with the package that pulls them in (flatmap-stream, added to event-stream
 * 3.3.6, had all of these). Established packages have none of them. Each fact is stated
 * in plain words so that the finding can say which evidence made it a warning.
 *
 * Pure functions over registry data the scan already has; nothing here fetches.
 */
import semver from 'semver';
import type { Packument, PackumentLookup, VersionInfo } from '../data/remote-data';
import { firstPublished, formatAge } from './new-package';
import { popularNameDetector } from '../typosquat';
import { LIMITS, truncate } from '../text/untrusted';
import type { AuditResult, AuditSignal } from '../audit/model';
import { compareVersions, isValidVersion } from '../text/version';

const DAY = 24 * 3600_000;

/** Lifecycle scripts a registry install runs (`prepare` only runs for git sources). */
export const INSTALL_HOOKS = ['preinstall', 'install', 'postinstall'] as const;

/** A package younger than this (when the version was released) is "young". */
export const YOUNG_DAYS = 30;
/** A package with at most this many versions has "few versions". */
export const FEW_VERSIONS = 3;
/** A package at least this old, with at least this many versions, is established. */
const ESTABLISHED_DAYS = 365;
const ESTABLISHED_VERSIONS = 10;

/** One fact about a package that bears on whether it is risky. */
export interface RiskFact {
  kind:
    | 'removed'
    | 'young'
    | 'few-versions'
    | 'no-repository'
    | 'imitates-popular'
    | 'install-script'
    | 'new-install-script'
    | 'changed-install-script'
    | 'new-publisher'
    | 'lost-provenance'
    | 'dangerous-script'
    | 'stranger-publisher'
    | 'malicious-code'
    | 'suspicious-code';
  /** Strong facts make a package risky alone; weak ones only together (see isRisky). */
  strong: boolean;
  /**
   * Set when an audit read the code this fact is a guess about and found nothing
   * (weighAudit): the fact stays as evidence, never as a reason, alone or combined.
   */
  answered?: boolean;
  /** Plain words for messages and evidence lines (already capped). */
  text: string;
}

/** The install hooks a version runs (`preinstall`, `install`, `postinstall`), with their text. */
export function installHooks(info: VersionInfo | undefined): [hook: string, text: string][] {
  const scripts = info?.scripts;
  if (!scripts) return [];
  return INSTALL_HOOKS.filter((h) => typeof scripts[h] === 'string' && scripts[h] !== '').map((h) => [h, scripts[h]]);
}

/** When a version was published, from the packument's `time` (undefined when unknown). */
export function publishedAt(p: Packument, version: string): number | undefined {
  return p.publishedAt(version);
}

/**
 * Whether the packument carries the package's history: the registry's documents always
 * have `time.created`. A pruned copy (a mirror or snapshot serving only some versions)
 * lacks it, and then "few versions" and "young" would be artefacts of the copy: the facts
 * that need the history are left out rather than guessed.
 */
export function hasHistory(p: Packument): boolean {
  return p.publishedAt('created') !== undefined;
}

/**
 * Old and busy: first published a year or more before `at`, with ten or more versions.
 * Typosquats and one-off malicious packages never get there: they are taken down. Without
 * the history (hasHistory), a version published a year before `at` shows the age alone.
 */
export function isEstablished(p: Packument, at: number): boolean {
  const created = firstPublished(p);
  if (created === undefined || at - created < ESTABLISHED_DAYS * DAY) return false;
  return !hasHistory(p) || p.versionCount >= ESTABLISHED_VERSIONS;
}

/** "young": first published less than YOUNG_DAYS before `at` (the release that matters, named by `relativeTo`). */
export function youngFact(p: Packument, at: number, relativeTo: string): RiskFact | undefined {
  if (!hasHistory(p)) return undefined;
  const created = firstPublished(p)!;
  const gap = at - created;
  if (gap >= YOUNG_DAYS * DAY) return undefined;
  const text = gap < -60_000 ? `first published after ${relativeTo}` : gap <= 60_000 ? `first published with ${relativeTo}` : `first published ${formatAge(gap)} before ${relativeTo}`;
  return { kind: 'young', strong: false, text };
}

/** At most FEW_VERSIONS versions; not raised for a package first published a year or more before `at` (a quiet old package, not a new one). */
export function fewVersionsFact(p: Packument, at: number): RiskFact | undefined {
  if (!hasHistory(p)) return undefined;
  const count = p.versionCount;
  if (count > FEW_VERSIONS) return undefined;
  const created = firstPublished(p)!;
  if (at - created >= ESTABLISHED_DAYS * DAY) return undefined;
  return { kind: 'few-versions', strong: false, text: `${count} version${count === 1 ? '' : 's'} on the registry` };
}

export function noRepositoryFact(info: VersionInfo | undefined): RiskFact | undefined {
  return info && !info.hasRepository ? { kind: 'no-repository', strong: false, text: `no repository field in ${info.version}` } : undefined;
}

/**
 * A name that imitates a popular package (the typosquat rule's index). Established
 * packages are never imitations: `react-dom` is not a squat of `react`.
 */
export function imitationFact(name: string, p: Packument | undefined, at: number): RiskFact | undefined {
  if (p && isEstablished(p, at)) return undefined;
  const match = popularNameDetector().check(name, { judge: () => true });
  if (!match) return undefined;
  return { kind: 'imitates-popular', strong: true, text: `the name imitates the popular package "${truncate(match.target, LIMITS.name)}" (${match.reason.text})` };
}

export function installScriptFact(info: VersionInfo | undefined): RiskFact | undefined {
  const hooks = installHooks(info);
  if (!hooks.length) return undefined;
  return { kind: 'install-script', strong: true, text: `runs an install script (${hooks.map(([h, s]) => `${h}: ${truncate(s, LIMITS.text)}`).join('; ')})` };
}

/**
 * An install hook the previous release did not have: a hijacked release adds its payload
 * this way (Shai-Hulud's `postinstall: node bundle.js`). Strong. A hook whose text
 * changed is weak: maintainers edit their scripts (unrs-resolver's names its version), and
 * a hijack that rewrites one (Nx 21.5.0's `node telemetry.js`) also shows a new publisher
 * or lost provenance, which combine with it.
 */
export function newInstallScriptFact(info: VersionInfo | undefined, prev: VersionInfo | undefined): RiskFact | undefined {
  if (!prev) return undefined;
  const before = new Map(installHooks(prev));
  const changed = installHooks(info).filter(([h, s]) => before.get(h) !== s);
  if (!changed.length) return undefined;
  const prevVersion = truncate(prev.version, LIMITS.version);
  const added = changed.filter(([h]) => !before.has(h)).map(([h]) => h);
  if (added.length) return { kind: 'new-install-script', strong: true, text: `${added.join(' and ')} is new since ${prevVersion}` };
  return { kind: 'changed-install-script', strong: false, text: `the ${changed.map(([h]) => h).join(' and ')} script changed since ${prevVersion}` };
}

/** Who published the release, compared with the previous one (registries that say so). */
export function publisherFacts(info: VersionInfo, prev: VersionInfo | undefined): RiskFact[] {
  const facts: RiskFact[] = [];
  if (!prev) return facts;
  if (info.publisher && prev.publisher && info.publisher !== prev.publisher) {
    facts.push({ kind: 'new-publisher', strong: false, text: `published by "${truncate(info.publisher, LIMITS.name)}" where ${truncate(prev.version, LIMITS.version)} was published by "${truncate(prev.publisher, LIMITS.name)}"` });
  }
  if (prev.hasProvenance && !info.hasProvenance) facts.push({ kind: 'lost-provenance', strong: false, text: `no provenance attestation although ${truncate(prev.version, LIMITS.version)} had one` });
  return facts;
}

/**
 * What install scripts of real attacks do and ordinary build steps do not: fetch and
 * run something from the network, decode hidden code, or run inline code that talks to
 * the network. Each pattern is a plain alternation with no nested quantifier (linear),
 * and the text is capped before matching.
 */
const DANGEROUS: [RegExp, string][] = [
  [/\b(?:curl|wget)\b/i, 'downloads with curl/wget'],
  [/(?<!\|)\|(?!\|)\s*(?:ba|z|da)?sh\b/, 'pipes into a shell'],
  [/\b(?:base64\s+(?:-d|--decode)|atob\s*\(|['"]base64['"])/i, 'decodes base64'],
  [/\b(?:Invoke-WebRequest|Invoke-Expression|iwr|iex|powershell(?:\.exe)?\s+-e(?:nc|ncodedcommand)?)\b/i, 'runs PowerShell download/eval'],
  [/\/dev\/tcp\/|\bnc\s+-e\b/, 'opens a raw network connection'],
  [/\beval\s*\(/, 'evaluates generated code'],
];
/** Inline code (`node -e`) is common (core-js); inline code that talks to the network is not. */
const INLINE_CODE = /\bnode\s+(?:-e|--eval|-p|--print)\b/;
const NETWORK = /\bhttps?:\/\/|\brequire\(\s*['"](?:node:)?(?:https?|net|dgram|child_process)['"]|\bfetch\s*\(/;
const SCRIPT_CAP = 2000;

export function dangerousScriptFact(info: VersionInfo | undefined): RiskFact | undefined {
  const reasons = new Set<string>();
  for (const [, raw] of installHooks(info)) {
    const text = raw.slice(0, SCRIPT_CAP);
    for (const [re, why] of DANGEROUS) if (re.test(text)) reasons.add(why);
    if (INLINE_CODE.test(text) && NETWORK.test(text)) reasons.add('runs inline code that uses the network');
  }
  if (!reasons.size) return undefined;
  return { kind: 'dangerous-script', strong: true, text: `the install script ${[...reasons].join(', ')}` };
}

/**
 * Strong facts make a package risky alone. Weak ones come in three independent kinds
 * (new: young or few versions; no repository; a stranger publisher): two kinds together
 * make it risky. Young and few versions are one kind: a new package has both.
 */
export function isRisky(facts: RiskFact[]): boolean {
  const open = facts.filter((f) => !f.answered);
  if (open.some((f) => f.strong)) return true;
  const kinds = new Set(open.map((f) => (f.kind === 'young' || f.kind === 'few-versions' ? 'new' : f.kind)));
  return kinds.size >= 2;
}

// ---------------------------------------------------------------- package audits (#14)

/**
 * What reading a version's published files (package audit) says about the code it runs at
 * install time. Metadata can only guess from a script's text and the package's history;
 * the audit has read the files the script runs.
 * - `malicious`: a high signal in install-time code (posts the environment, downloads and
 *   runs, an entry that escapes the package): an error.
 * - `suspicious`: a medium one (a download made executable from an unrelated host): a
 *   weak fact, a warning together with another one (a new hook, a young package).
 * - `clean`: the install-time code holds nothing above low and no file anything high: it
 *   answers the guesses (a new or changed script, curl in its text, a young package):
 *   `node-gyp rebuild`, esbuild's platform download, a prebuilt binary from the package's
 *   own GitHub release.
 * - `unclear`: not read (the audit failed), or high only in code run on load (the
 *   suspicious-code rule's finding): evidence only, it neither raises nor lowers.
 */
export interface AuditWeight {
  verdict: 'malicious' | 'suspicious' | 'clean' | 'unclear';
  /** "audited: takes the whole environment … (index.js:3)", capped. */
  text: string;
  /** One line per install-time signal (capped), then what changed since the previous release. */
  evidence: string[];
  /** The fact it adds (malicious-code, suspicious-code), for the verdict. */
  fact?: RiskFact;
}

/** Signals shown in a message, and evidence lines per audit. */
const AUDIT_MESSAGE_SIGNALS = 2;
const AUDIT_EVIDENCE_SIGNALS = 8;

/**
 * Audit signals that restate registry data (a hook the previous release lacked: the
 * new-install-script fact) rather than say what the code does: evidence, not a verdict.
 */
export const ABOUT_METADATA: ReadonlySet<AuditSignal['id']> = new Set(['new-install-script']);

export function weighAudit(result: AuditResult | undefined): AuditWeight | undefined {
  if (!result) return undefined;
  if (result.status === 'error') return { verdict: 'unclear', text: `not audited (${result.kind}): ${truncate(result.reason, LIMITS.text)}`, evidence: [] };
  const install = rankSignals(result.signals.filter((s) => s.installTime && !ABOUT_METADATA.has(s.id)));
  const evidence = [...install.slice(0, AUDIT_EVIDENCE_SIGNALS).map((s) => `audit: ${s.severity} ${s.id} ${signalPlace(s)}: ${truncate(s.evidence.text, LIMITS.text)}`), ...auditDiffLines(result)];
  const high = install.filter((s) => s.severity === 'high');
  const medium = install.filter((s) => s.severity === 'medium');
  const said = (list: AuditSignal[]) => {
    const more = list.length > AUDIT_MESSAGE_SIGNALS ? `; ${list.length - AUDIT_MESSAGE_SIGNALS} more` : '';
    return `audited: ${list.slice(0, AUDIT_MESSAGE_SIGNALS).map((s) => `${s.message.replace(/\.$/, '')} (${signalPlace(s)})`).join('; ')}${more}`;
  };
  if (high.length) {
    const text = said(high);
    return { verdict: 'malicious', text, evidence, fact: { kind: 'malicious-code', strong: true, text } };
  }
  if (medium.length) {
    const text = said(medium);
    // Weak: vendors download their binaries from their own CDNs (@sentry/cli) and cache
    // under the home folder; with another fact (a new hook, a young package) it warns.
    return { verdict: 'suspicious', text, evidence, fact: { kind: 'suspicious-code', strong: false, text } };
  }
  const onLoad = rankSignals(result.signals.filter((s) => s.severity === 'high'));
  if (onLoad.length) return { verdict: 'unclear', text: `${said(onLoad)}, in code run on load, not at install`, evidence };
  const files = Object.keys(result.installScripts).length ? 'what it runs at install' : 'its published files';
  const notes = install.length ? ` (only ${install.slice(0, AUDIT_MESSAGE_SIGNALS).map((s) => `${s.message.replace(/\.$/, '')}, ${signalPlace(s)}`).join('; ')})` : '';
  return { verdict: 'clean', text: `audited: nothing suspicious in ${files}${notes}`, evidence };
}

/**
 * The facts with an audit weighed in: a malicious or suspicious read adds its fact; a clean
 * one answers every guess about the code and the package's newness. Never answered: an
 * imitated popular name (the wrong package, whatever its script does) and a removed one.
 */
export function withAudit(facts: RiskFact[], audit: AuditWeight | undefined): RiskFact[] {
  if (!audit) return facts;
  if (audit.fact) return [...facts, audit.fact];
  if (audit.verdict !== 'clean') return facts;
  return facts.map((f) => (f.kind === 'imitates-popular' || f.kind === 'removed' ? f : { ...f, answered: true }));
}

/**
 * One line for a hover or a review: what the audit found overall (load-time code
 * included), or why it could not read the version. Package text in it is capped, not
 * escaped: renderers escape.
 */
export function auditHeadline(result: AuditResult): string {
  if (result.status === 'error') return `not audited (${result.kind}): ${truncate(result.reason, LIMITS.text)}`;
  const judged = rankSignals(result.signals.filter((s) => !ABOUT_METADATA.has(s.id)));
  const read = `${result.stats.files} files read`;
  if (!judged.length) return `nothing suspicious (${read})`;
  const counts = (['high', 'medium', 'low'] as const).map((sev) => [sev, judged.filter((s) => s.severity === sev).length] as const).filter(([, n]) => n > 0);
  const head = judged[0];
  return `${counts.map(([sev, n]) => `${n} ${sev}`).join(', ')} signal${judged.length === 1 ? '' : 's'} (${read}); the strongest: ${head.message.replace(/\.$/, '')} (${signalPlace(head)}${head.installTime ? ', run at install time' : ''})`;
}

/** The diff against the previous release, as evidence lines: install-time changes first. */
export function auditDiffLines(result: Extract<AuditResult, { status: 'ok' }>): string[] {
  const d = result.diff;
  if (!d || !result.previousVersion) return [];
  const since = `since ${truncate(result.previousVersion, LIMITS.version)}`;
  const lines: string[] = [];
  for (const [hook, command] of Object.entries(d.installScriptsChanged)) lines.push(`${hook} script new or changed ${since}: ${truncate(command, LIMITS.text)}`);
  for (const f of d.installTimeChanged) lines.push(`install-time file ${f.change} ${since}: ${truncate(f.file, LIMITS.text)}`);
  lines.push(`files ${since}: ${d.counts.added} added, ${d.counts.changed} changed, ${d.counts.removed} removed`);
  return lines;
}

/** Worst first; install-time before load-time at the same severity. */
export function rankSignals(signals: readonly AuditSignal[]): AuditSignal[] {
  const rank = (s: AuditSignal) => (s.severity === 'high' ? 0 : s.severity === 'medium' ? 2 : 4) + (s.installTime ? 0 : 1);
  return [...signals].sort((a, b) => rank(a) - rank(b));
}

/** `file:line` (or the file alone for a whole-file signal), capped: the path is the package's. */
export function signalPlace(s: AuditSignal): string {
  const file = truncate(s.evidence.file, LIMITS.text);
  return s.evidence.line > 0 ? `${file}:${s.evidence.line}` : file;
}

/** Who has published any version of a package up to (not including) `before`; maintainers when the registry gives no publishers. */
export function publishersOf(p: Packument, before?: string): Set<string> {
  const out = new Set<string>();
  const bounded = before !== undefined && isValidVersion(before);
  for (const v of p.versionNames) {
    if (bounded && isValidVersion(v) && compareVersions(v, before) >= 0) continue;
    const publisher = p.version(v)!.publisher;
    if (publisher) out.add(publisher);
  }
  if (out.size === 0) for (const m of p.maintainers ?? []) out.add(m);
  return out;
}

/** The version of `spec` a parent release would have got: the highest published by `at` (one day of slack), else the highest at all. */
export function versionAt(p: Packument, spec: string, at: number | undefined): VersionInfo | undefined {
  const all = p.versionNames.filter((v) => isValidVersion(v));
  const then = at === undefined ? all : all.filter((v) => (publishedAt(p, v) ?? 0) <= at + DAY);
  let pick: string | null = null;
  try {
    pick = semver.maxSatisfying(then, spec, { loose: true }) ?? semver.maxSatisfying(all, spec, { loose: true });
  } catch {
    pick = null;
  }
  if (!pick) pick = then.sort(compareVersions).pop() ?? null;
  return pick ? p.version(pick) : undefined;
}

/** How risky a dependency that a release added is, judged at that release. */
export interface AddedDependencyRisk {
  name: string;
  /** False when its registry data was not available: nothing was checked. */
  checked: boolean;
  /** Why it was not checked, when it was not. */
  notChecked?: string;
  facts: RiskFact[];
  risky: boolean;
  /** Set when no fact was found: why it looks established (for the evidence line). */
  established?: string;
}

/**
 * Judges a dependency that `parent@parentVersion` added, from what the registry says
 * about it (the lookup the scan made when the dependency is in a lockfile).
 */
export function assessAddedDependency(
  name: string,
  spec: string,
  lookup: PackumentLookup | undefined,
  parent: { name: string; packument: Packument; version: string; /** publishersOf(packument, version), computed once per release */ publishers?: Set<string> },
  now: number,
): AddedDependencyRisk {
  const label = `${truncate(parent.name, LIMITS.name)}@${truncate(parent.version, LIMITS.version)}`;
  if (!lookup) return { name, checked: false, notChecked: 'not looked up (not in a lockfile of this project)', facts: [], risky: false };
  if (lookup.status === 'error') return { name, checked: false, notChecked: `registry: ${lookup.reason}`, facts: [], risky: false };
  if (lookup.status === 'gone') {
    const facts: RiskFact[] = [{ kind: 'removed', strong: true, text: 'no longer on the registry (removed packages are usually malicious)' }];
    return { name, checked: true, facts, risky: true };
  }
  const p = lookup.packument;
  const at = publishedAt(parent.packument, parent.version) ?? now;
  const info = versionAt(p, spec, at);
  const facts: RiskFact[] = [];
  const push = (f: RiskFact | undefined) => f && facts.push(f);
  push(youngFact(p, at, label));
  push(fewVersionsFact(p, at));
  push(noRepositoryFact(info));
  push(imitationFact(name, p, at));
  push(installScriptFact(info));
  // Someone with no history in the parent publishing the new dependency: flatmap-stream's
  // author had never published event-stream. Only when both sides name publishers.
  const parentPublishers = parent.publishers ?? publishersOf(parent.packument, parent.version);
  const depPublishers = publishersOf(p);
  if (parentPublishers.size && depPublishers.size && ![...depPublishers].some((u) => parentPublishers.has(u))) {
    const who = [...depPublishers].slice(0, 3).map((u) => `"${truncate(u, LIMITS.name)}"`).join(', ');
    facts.push({ kind: 'stranger-publisher', strong: false, text: `published by ${who}, who never published ${truncate(parent.name, LIMITS.name)} before` });
  }
  const risky = isRisky(facts);
  const out: AddedDependencyRisk = { name, checked: true, facts, risky };
  if (!facts.length && !hasHistory(p)) {
    out.established = 'nothing risky in the registry data, which carries no history (its age and version count were not checked)';
  } else if (!facts.length) {
    const created = firstPublished(p);
    const count = p.versionCount;
    out.established = `established (${created !== undefined ? `first published ${formatAge(Math.max(0, at - created))} before ${label}, ` : ''}${count} versions${info?.hasRepository ? ', has a repository' : ''})`;
  }
  return out;
}
