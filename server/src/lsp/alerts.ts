/**
 * Alerts on new advisories: which findings are worth interrupting someone for (malware,
 * critical vulnerabilities), and which of them are new since the last look. A finding is
 * named by rule + package + version + advisory id, so the same advisory is announced once
 * per session however often the workspace is re-scanned.
 */
import type { Finding } from '../engine/model';
import type { ScanResult } from '../engine/scan';
import type { Advisory, RemoteData } from '../engine/data/remote-data';

export interface AlertCandidate {
  finding: Finding;
  /** One key per advisory the finding names (`ioc` for a match on the user's indicator list). */
  keys: string[];
}

/** known-malware findings, and known-vulnerability findings with at least one critical advisory. */
export function alertCandidates(result: ScanResult, remote: RemoteData | undefined): AlertCandidate[] {
  const advisories = new Map<string, Advisory>();
  for (const lookup of remote?.advisories.values() ?? []) {
    if (lookup.status === 'ok') for (const a of lookup.advisories) advisories.set(a.id, a);
  }
  const candidates: AlertCandidate[] = [];
  for (const f of result.findings) {
    if (f.suppressed || (f.rule !== 'known-malware' && f.rule !== 'known-vulnerability')) continue;
    const ids = (f.evidence ?? []).map(advisoryIdOf);
    const base = `${f.rule}\0${f.package ?? ''}\0${f.version ?? ''}\0`;
    let keys: string[];
    if (f.rule === 'known-malware') keys = (ids.length ? ids : ['ioc']).map((id) => base + id);
    else keys = ids.filter((id) => advisories.get(id)?.severity === 'critical').map((id) => base + id);
    if (keys.length) candidates.push({ finding: f, keys });
  }
  return candidates;
}

/** The candidates with a key not in `seen`; every key of the result is added to `seen`. */
export function takeNewAlerts(result: ScanResult, remote: RemoteData | undefined, seen: Set<string>): AlertCandidate[] {
  const fresh: AlertCandidate[] = [];
  for (const c of alertCandidates(result, remote)) {
    if (c.keys.some((k) => !seen.has(k))) fresh.push(c);
    for (const k of c.keys) seen.add(k);
  }
  return fresh;
}

export function alertMessage(c: AlertCandidate): string {
  const what = c.finding.rule === 'known-malware' ? 'New malware advisory' : 'New critical vulnerability';
  return `depwarden: ${what}: ${c.finding.message}`;
}

/** Evidence lines are advisory URLs (https://osv.dev/vulnerability/<id>) or bare ids. */
function advisoryIdOf(evidence: string): string {
  const m = /\/vulnerability\/([^/?#]+)\/?$/.exec(evidence);
  return m ? decodeURIComponent(m[1]) : evidence;
}
