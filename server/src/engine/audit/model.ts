/**
 * What an audit of one package version produces: named signals with evidence, or the
 * reason it could not be done. Plain data, so the editor and the CLI can show it and the
 * verdict model (issue #14 item 5) can weigh it later.
 */

/** How strongly a signal points at malice on its own. */
export type AuditSeverity = 'high' | 'medium' | 'low';

export const AUDIT_SIGNAL_IDS = [
  'install-fetch-exec',
  'install-shell-exec',
  'env-exfiltration',
  'credential-read',
  'decode-eval',
  'binary-download',
  'write-outside-package',
  'exfil-endpoint',
  'raw-ip-url',
  'obfuscated-identifiers',
  'high-entropy-line',
  'packed-blob',
  'worm-workflow-write',
  'worm-secret-scanner',
  'worm-bundle',
  'native-binary',
  'new-native-binary',
  'unsafe-entry',
  'new-install-script',
] as const;
export type AuditSignalId = (typeof AUDIT_SIGNAL_IDS)[number];

export interface AuditEvidence {
  /** Path inside the package (`package/` stripped), or `package.json#scripts.postinstall`. */
  file: string;
  /** 1-based; 0 when the signal is about the whole file. */
  line: number;
  /** The matched text, cut to AUDIT_EVIDENCE_MAX; raw (untrusted): front ends clean it. */
  text: string;
}

export interface AuditSignal {
  id: AuditSignalId;
  severity: AuditSeverity;
  /** One sentence, ours (no package text in it). */
  message: string;
  evidence: AuditEvidence;
  /** True when the file runs at install time (a lifecycle script or a file one runs). */
  installTime: boolean;
}

export const AUDIT_EVIDENCE_MAX = 160;

/**
 * Bumped whenever a check changes what it finds: cached results are keyed by it (with the
 * tarball's sha512), so an improved check re-reads packages instead of trusting old verdicts.
 */
export const AUDIT_CHECKS_VERSION = 3;

export interface AuditStats {
  compressedBytes: number;
  unpackedBytes: number;
  files: number;
  /** Bytes of text the checks scanned. */
  scannedBytes: number;
}

/**
 * `bomb`: the archive is built to exhaust (entry count, gzip ratio, lying sizes, path length).
 * `too-large`: a plausible archive past the audit's absolute caps (not audited, not judged).
 */
export type AuditErrorKind = 'not-found' | 'network' | 'offline' | 'integrity' | 'bomb' | 'too-large' | 'malformed' | 'disallowed-url';

export type AuditResult =
  | {
      status: 'ok';
      name: string;
      version: string;
      /** sha512 of the verified tarball (the cache key). */
      integrity: string;
      signals: AuditSignal[];
      /** The install scripts package.json declares (as written; untrusted). */
      installScripts: Record<string, string>;
      stats: AuditStats;
      /** The version compared against (binaries, install scripts, files), when its tarball was read. */
      previousVersion?: string;
      /** What changed since previousVersion. */
      diff?: AuditDiff;
      fromCache?: boolean;
    }
  | { status: 'error'; name: string; version: string; kind: AuditErrorKind; reason: string };

/** A version's files against the previous release's (package paths; lists capped at AUDIT_DIFF_MAX). */
export interface AuditDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** Files run at install time that are new or changed: what a hijacked release would add. */
  installTimeChanged: { file: string; change: 'added' | 'changed' }[];
  /** Install scripts whose command is new or different (hook -> command as published; untrusted). */
  installScriptsChanged: Record<string, string>;
  /** Counts before capping. */
  counts: { added: number; removed: number; changed: number };
}

export const AUDIT_DIFF_MAX = 50;

export function highestSeverity(signals: readonly AuditSignal[]): AuditSeverity | undefined {
  if (signals.some((s) => s.severity === 'high')) return 'high';
  if (signals.some((s) => s.severity === 'medium')) return 'medium';
  return signals.length ? 'low' : undefined;
}
