import { auditKey, lockedPackageOf, projectAuditor } from '../engine/audit/audit-project';
import { readCachedAudits } from '../engine/audit/cached-audits';
import type { Project } from '../engine/project';
import type { AuditResult } from '../engine/audit/model';
import type { Finding, RuleId } from '../engine/model';
import type { ScanResult } from '../engine/scan';
import type { FolderSettings, ServerState } from './state';
import type { WorkspaceFolderState } from './workspace-folder';

/**
 * Findings that make a version worth reading before anyone installs it: the package
 * already carries a risk signal, and its published code can confirm or clear it.
 * install-script counts only as a warning (a new or unusual script), not as evidence.
 */
export const TRIGGERS: ReadonlySet<RuleId> = new Set<RuleId>(['install-script', 'trust-change', 'new-package', 'release-cooldown', 'typosquat', 'version-anomaly', 'dependency-confusion']);

/** Findings about a package's trustworthiness, where reading its code can confirm or clear them (not hygiene such as unpinned-range): "Audit this version" is offered on these (light bulb and hover). */
export const AUDIT_OFFERED: ReadonlySet<string> = new Set([...TRIGGERS, 'no-repository', 'deprecated', 'suspicious-code', 'known-vulnerability']);

/** At most this many audits run at once, and this many start per hour: downloads stay a trickle. */
const CONCURRENCY = 2;
const PER_HOUR = 30;
const HOUR_MS = 3600_000;

/**
 * Audit failures worth a finding: the bytes or the archive are themselves a warning sign.
 * Network trouble is not, and a lockfile URL off the registry host is lockfile-host's finding.
 */
const TELLING_ERRORS = new Set(['integrity', 'bomb']);

interface QueuedAudit {
  folder: WorkspaceFolderState;
  key: string;
  name: string;
  version: string;
  lockfile?: { integrity?: string; resolved?: string };
}

/**
 * Package audits in the background (issue #14): after a publish, versions that carry a
 * risk signal are queued and read a few at a time, rate-limited; each result joins the
 * session's audits (state.audits) and the folder is re-checked, so suspicious-code
 * findings appear without the user asking. Never offline or in Restricted Mode (settings
 * say offline there), never twice for a version in a session.
 */
export class BackgroundAudits {
  private readonly queue: QueuedAudit[] = [];
  private readonly asked = new Set<string>();
  private readonly starts: number[] = [];
  private running = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Tarballs (sha512) already looked for in the disk cache this session. */
  private readonly cacheAsked = new Set<string>();

  constructor(
    private readonly state: ServerState,
    /** Re-check a folder once its audits landed. */
    private readonly recheck: (folder: WorkspaceFolderState) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues the risky versions of a published result (once lookups finished: the triggers need registry data). */
  consider(folder: WorkspaceFolderState, result: ScanResult, settings: FolderSettings): void {
    if (settings.offline || !settings.backgroundAudits) return;
    for (const f of result.findings) {
      const target = auditTargetOf(f, result);
      if (!target) continue;
      const key = auditKey(target.name, target.version);
      if (this.asked.has(key) || this.state.audits.has(key)) continue;
      this.asked.add(key);
      this.queue.push({ folder, key, ...target });
    }
    this.pump();
  }

  /**
   * Audits the disk cache holds for the folder's locked versions (an earlier session, the
   * CLI's `scan --audit`), by lockfile integrity: joined to the session's audits, and the
   * folder re-checked when one is new. Each tarball is looked for once a session, so
   * keystrokes cost nothing; no network, so offline and Restricted Mode too.
   */
  async readCached(folder: WorkspaceFolderState, project: Project): Promise<void> {
    const found = await readCachedAudits(project, this.state.dataCache, (sha) => this.cacheAsked.has(sha) || (this.cacheAsked.add(sha), false));
    let added = false;
    for (const [key, result] of found) {
      if (this.state.audits.has(key)) continue;
      this.state.audits.set(key, result);
      added = true;
    }
    if (added) this.recheck(folder);
  }

  /** Pending and running audits (tests, status). */
  get pending(): number {
    return this.queue.length + this.running;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private pump(): void {
    while (this.running < CONCURRENCY && this.queue.length > 0) {
      const now = this.now();
      while (this.starts.length && now - this.starts[0] >= HOUR_MS) this.starts.shift();
      if (this.starts.length >= PER_HOUR) {
        // Try again when the oldest start leaves the window.
        if (!this.timer) this.timer = setTimeout(() => ((this.timer = undefined), this.pump()), HOUR_MS - (now - this.starts[0]) + 10);
        return;
      }
      this.starts.push(now);
      const job = this.queue.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(job: QueuedAudit): Promise<void> {
    const npmrc = job.folder.result?.project.npmrc;
    if (!npmrc) return;
    const settings = await this.state.settingsFor(job.folder);
    if (settings.offline) return;
    const auditor = projectAuditor(npmrc, settings, this.state.dataCache, process.env);
    let result: AuditResult;
    try {
      result = await auditor.audit({ name: job.name, version: job.version, ...(job.lockfile ? { lockfile: job.lockfile } : {}) });
    } catch (e) {
      this.state.log(`[warn] background audit of ${job.key} failed: ${(e as Error).message}`);
      return;
    } finally {
      await auditor.close();
    }
    if (result.status === 'error' && !TELLING_ERRORS.has(result.kind)) return;
    this.state.audits.set(job.key, result);
    this.recheck(job.folder);
  }
}

/** The registry name and version a finding is about, with its lockfile entry; undefined when it is no trigger. */
function auditTargetOf(f: Finding, result: ScanResult): Omit<QueuedAudit, 'folder' | 'key'> | undefined {
  if (!TRIGGERS.has(f.rule) || f.suppressed || !f.package || !f.version) return undefined;
  if (f.severity !== 'warning' && f.severity !== 'error') return undefined;
  const p = lockedPackageOf(result.project, f.package, f.version);
  if (!p) return { name: f.package, version: f.version };
  if (p.source !== 'registry') return undefined;
  return { name: p.realName ?? p.name, version: p.version, lockfile: { integrity: p.integrity, resolved: p.resolved } };
}
