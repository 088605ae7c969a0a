import type { Diagnostic, WorkDoneProgressServerReporter } from 'vscode-languageserver';
import { BackgroundAudits } from './background-audits';
import { DataPlane, dataPlaneKey } from '../engine/data/data-plane';
import { lookupNeeds } from '../engine/data/fetch-remote';
import type { RemoteData } from '../engine/data/remote-data';
import type { SourceFile } from '../engine/model';
import type { NpmConfig } from '../engine/policy/npmrc';
import { buildProject, roleOfPath, rootConfigOf, type Project } from '../engine/project';
import { rescanLanded, scanFiles, scanFocused, type ScanResult } from '../engine/scan';
import { findingsToDiagnostics } from './diagnostics';
import { lookupsFinished } from './idle-gc';
import { mergeEditPass } from './edit-pass';
import type { FolderSettings, ServerState } from './state';
import type { WorkspaceFolderState } from './workspace-folder';
import { thousands } from '../engine/text/thousands';

/** One trip through the pipeline: the files scanned, for which generation, with which data. */
export interface Pass {
  folder: WorkspaceFolderState;
  /** The folder's generation when the files were read; a newer one makes the pass stale. */
  generation: number;
  files: SourceFile[];
  settings: FolderSettings;
  /** The scan with the registry data in hand (lookups still running are `pending`). */
  local: ScanResult;
}

export interface LookUpOptions {
  /** Ask the advisory service again even where the cache is fresh (the periodic alert check). */
  revalidateAdvisories?: boolean;
  /** Ask again about names whose lookup failed or was cancelled (Scan Workspace, indicators). */
  retryFailed?: boolean;
}

/** Background audits that land close together are merged into one re-check. */
const AUDIT_RESCAN_MS = 1000;

/**
 * How long a folder's first scan waits after sending its lookups, before its rules run: the
 * cache reads and connections that get the first requests out take a few turns of the event
 * loop.
 */
const REQUESTS_HEAD_START_MS = 15;

/** While answers keep landing, findings are re-published at most this often. */
const BATCH_PUBLISH_MS = 1000;
/**
 * ...and the re-scans those publishes take stay under about a fifth of the time: a folder
 * whose scan takes 400 ms is re-published every 2 s, so that the event loop keeps reading
 * answers and edits in between.
 */
const BATCH_SCAN_SHARE = 5;
/**
 * After an edit's own findings went out, the full scan of its folder waits until typing
 * pauses this long: on a monorepo it takes hundreds of milliseconds, which would otherwise
 * sit in front of the next keystroke's findings.
 */
const FULL_SCAN_AFTER_EDIT_MS = 600;
/** Diagnostics of an edit pass name no result (code actions then find their finding by rule and range). */
const EDIT_PASS_GENERATION = -1;

/** The progress message is updated at most this often. */
const PROGRESS_MS = 250;

/** A data plane and the folders that read it (folders with the same data settings share one). */
interface PlaneEntry {
  key: string;
  plane: DataPlane;
  folders: Set<WorkspaceFolderState>;
  flushTimer?: NodeJS.Timeout;
  progress?: WorkDoneProgressServerReporter;
  progressStarting?: boolean;
  progressShownAt: number;
}

/**
 * The one way findings reach the editor, per workspace folder: scan → publish → look up
 * what is missing → re-publish as answers land. Edits, watcher events, commands and the
 * alert check all go through here.
 *
 * Local first: a scan never waits for the network. It runs with the registry data in hand,
 * its findings go out at once, and only then are the names the data plane lacks looked up
 * (those an open package.json declares first); their findings are merged by re-scanning the
 * folder's unchanged, already-parsed files about once a second while answers land. A scan
 * whose files are the ones last scanned (VS Code opening and closing package.json files in
 * the background) is skipped: no publish, no lookup.
 *
 * Edits first: when only open package.json texts changed since the folder's last scan, the
 * edited files' own findings are computed alone (scanFocused: the edit-local rules on
 * those files) and published within the debounce, with the last scan's other findings
 * moved along (edit-pass.ts); the full scan follows once typing pauses.
 */
export class Pipeline {
  /** Each publish gets its own id: diagnostics name their finding by index in that result. */
  private publishSeq = 0;
  private readonly planes = new Map<string, PlaneEntry>();
  private readonly planeOf = new Map<WorkspaceFolderState, PlaneEntry>();
  /** The texts of each folder's last scan: a scan of the same texts is skipped. */
  private readonly lastScanned = new Map<WorkspaceFolderState, Map<string, string | undefined>>();
  /** What was last sent per uri (without the data field): the same diagnostics are not sent again. */
  private readonly lastSent = new Map<WorkspaceFolderState, Map<string, string>>();
  /** Folders whose next scan must run even if their files are unchanged (settings, data, commands). */
  private readonly forced = new Set<WorkspaceFolderState>();
  /** Folders whose next lookups ask again about failed and cancelled ones (Scan Workspace). */
  private readonly retrying = new Set<WorkspaceFolderState>();
  /** How long each folder's last full scan took (batch re-publishes are spaced by it). */
  private readonly scanMs = new Map<WorkspaceFolderState, number>();
  /** Open files edited since the folder's last scan (see edited). */
  private readonly edits = new Map<WorkspaceFolderState, Set<string>>();
  /** Files whose diagnostics an edit pass published since the folder's last full publish. */
  private readonly editPassed = new Map<WorkspaceFolderState, Set<string>>();
  /** Folders with a change other than an edit of an open document: their next scan is a full one. */
  private readonly fullDue = new Set<WorkspaceFolderState>();
  /** Per scan result: its files, and its data plane's mark when it read the data (see scanLanded). */
  private readonly scanned = new WeakMap<ScanResult, { texts: Map<string, string | undefined>; mark: number }>();
  /** Called on each full publish of the folder (see upToDate). */
  private readonly publishWaiters = new Map<WorkspaceFolderState, Array<() => void>>();

  /** Audits of risky versions, started once their lookups finished (background-audits.ts). */
  readonly backgroundAudits: BackgroundAudits;

  constructor(private readonly state: ServerState) {
    // An audit that landed is new data for the folder: scan it again, forced (its files did not change).
    this.backgroundAudits = new BackgroundAudits(state, (folder) => this.schedule(folder, AUDIT_RESCAN_MS, true));
  }

  /** Something the next scan must see changed: results of older scans are dropped. */
  changed(folder: WorkspaceFolderState, delay?: number, force = false): void {
    folder.generation++;
    this.schedule(folder, delay, force);
  }

  /** An open document's text changed (debounced like any change): its own findings go out first. */
  edited(folder: WorkspaceFolderState, rel: string): void {
    folder.generation++;
    const edits = this.edits.get(folder) ?? new Set<string>();
    this.edits.set(folder, edits);
    edits.add(rel);
    this.arm(folder);
  }

  /** Debounced per folder: a burst of changes gives one scan. */
  schedule(folder: WorkspaceFolderState, delay?: number, force = false): void {
    this.fullDue.add(folder);
    this.arm(folder, delay, force);
  }

  private arm(folder: WorkspaceFolderState, delay?: number, force = false): void {
    if (force) this.forced.add(folder);
    if (folder.timer) clearTimeout(folder.timer);
    void this.state.settingsFor(folder).then((s) => {
      if (folder.timer) clearTimeout(folder.timer);
      folder.timer = setTimeout(() => void this.scanAndPublish(folder), delay ?? s.debounceMs);
    });
  }

  /** Reads the folder from disk again, then scans it at once. */
  async reload(folder: WorkspaceFolderState, options: LookUpOptions = {}): Promise<void> {
    if (options.retryFailed) this.retrying.add(folder);
    try {
      await folder.loadFromDisk();
    } catch (e) {
      this.state.log(`[error] could not read ${folder.root}: ${(e as Error).message}`);
    }
    this.schedule(folder, 0, true);
  }

  /**
   * Scans and publishes now, looks up what is missing, and resolves with what was published
   * once the lookups landed (undefined when a newer change superseded the pass).
   */
  async refresh(folder: WorkspaceFolderState, options: LookUpOptions = {}): Promise<ScanResult | undefined> {
    folder.generation++;
    const pass = await this.scan(folder, true);
    if (!pass) return undefined;
    this.publish(folder, pass.local, pass.settings);
    const entry = this.requestLookups(pass, options);
    await entry.plane.idle();
    const after = await this.scan(folder, true);
    if (!after) return undefined;
    this.publish(folder, after.local, after.settings);
    folder.settled();
    return after.local;
  }

  /**
   * Resolves with true once the folder's result was scanned from `text` for `rel` (a hover
   * or light bulb right after an edit, whose own findings went out before the full scan):
   * a full scan waiting for typing to pause runs now. False after `timeoutMs`.
   */
  async upToDate(folder: WorkspaceFolderState, rel: string, text: string, timeoutMs = 5000): Promise<boolean> {
    const current = () => folder.result?.project.texts.get(rel) === text;
    if (current()) return true;
    if (!folder.timer && !this.edits.has(folder)) return false; // no scan is coming
    if (folder.timer && !this.edits.has(folder)) {
      clearTimeout(folder.timer);
      folder.timer = undefined;
      void this.scanAndPublish(folder);
    }
    const deadline = Date.now() + timeoutMs;
    while (!current()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        const waiters = this.publishWaiters.get(folder) ?? [];
        this.publishWaiters.set(folder, waiters);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Forgets every answer in hand (Clear Cache): the next scans look everything up again. */
  forgetData(): void {
    for (const entry of this.planes.values()) {
      entry.plane.cancel();
      this.endProgress(entry);
    }
    this.planes.clear();
    this.planeOf.clear();
  }

  /** True while lookups run for the folder's data. */
  isLookingUp(folder: WorkspaceFolderState): boolean {
    return this.planeOf.get(folder)?.plane.busy ?? false;
  }

  /** Local findings go out at once; missing data is looked up in the background and merged as it lands. */
  private async scanAndPublish(folder: WorkspaceFolderState): Promise<void> {
    folder.timer = undefined;
    const edits = this.edits.get(folder);
    this.edits.delete(folder);
    if (edits && !this.fullDue.has(folder) && !this.forced.has(folder) && (await this.publishEdits(folder, edits))) {
      // The full scan once typing pauses (a newer edit re-arms the timer, then this again).
      folder.timer ??= setTimeout(() => void this.scanAndPublish(folder), FULL_SCAN_AFTER_EDIT_MS);
      return;
    }
    this.fullDue.delete(folder);
    const force = this.forced.delete(folder);
    const pass = await this.scan(folder, force);
    if (!pass) return;
    this.publish(folder, pass.local, pass.settings);
    const entry = this.requestLookups(pass, { retryFailed: this.retrying.delete(folder) });
    if (!entry.plane.busy) {
      folder.settled();
      this.backgroundAudits.consider(folder, pass.local, pass.settings);
    }
  }

  /**
   * Scans the folder's current files (open documents over the disk copies) with the data in
   * hand. Undefined when the folder is disabled, the scan failed, a newer change came
   * meanwhile, or (unless forced) the files are the ones last scanned.
   */
  async scan(folder: WorkspaceFolderState, force = true): Promise<Pass | undefined> {
    await folder.loaded; // an edit at start-up must not scan the open documents alone
    const generation = folder.generation;
    const settings = await this.state.settingsFor(folder);
    if (generation !== folder.generation) return undefined; // a newer change is already scheduled
    if (!settings.enable) {
      this.clear(folder);
      this.state.sendStatus();
      return undefined;
    }
    const files = folder.files(this.state.openTexts(folder));
    if (!force && folder.result && this.sameAsLastScan(folder, files)) return undefined;
    // The plane first (the root .npmrc and .depwarden.json choose it), so that the scan
    // reads its data: the first scan of a folder is one scan, not two.
    this.attach(folder, this.entryFor(folder, settings, rootConfigOf(files, this.projectOptions(settings)).npmrc));
    const built = folder.result ? undefined : await this.lookUpBeforeFirstScan(folder, files, settings);
    if (generation !== folder.generation) return undefined;
    let local = this.scanFiles(folder, files, settings, built);
    // The project built the same config; should it ever differ, the folder is scanned again with the right data.
    if (local && this.entryFor(folder, settings, local.project.npmrc) !== this.planeOf.get(folder)) {
      this.state.log('[warn] the data plane chosen before the scan was not the project\'s: scanned again');
      this.attach(folder, this.entryFor(folder, settings, local.project.npmrc));
      local = this.scanFiles(folder, files, settings);
    }
    if (!local || generation !== folder.generation) return undefined;
    this.lastScanned.set(folder, this.scanned.get(local)?.texts ?? textsOf(files));
    return { folder, generation, files, settings, local };
  }

  /**
   * Publishes the edited package.json files' own findings without scanning the folder
   * (see the class comment). False when this cannot stand in for a full scan: no scan yet,
   * a file that is not an open package.json known to the last scan, or nothing changed.
   */
  private async publishEdits(folder: WorkspaceFolderState, edits: Set<string>): Promise<boolean> {
    const generation = folder.generation;
    const settings = await this.state.settingsFor(folder);
    const previous = folder.result;
    if (!previous || !settings.enable || generation !== folder.generation) return false;
    const open = this.state.openTexts(folder);
    const edited = new Map<string, { before: string; after: string }>();
    for (const rel of edits) {
      const before = previous.project.texts.get(rel);
      const after = open.get(rel);
      if (roleOfPath(rel) !== 'manifest' || before === undefined || after === undefined) return false;
      // Typed back to the last full scan's text: what is shown came from an edit pass, so
      // it is published again (the full path would skip the unchanged folder).
      if (before !== after || this.editPassed.get(folder)?.has(rel)) edited.set(rel, { before, after });
    }
    if (edited.size === 0) return false; // opened with unchanged text: the full path skips an unchanged folder
    let fresh: ReturnType<typeof scanFocused>;
    try {
      const options = { ...this.projectOptions(settings), cache: folder.parseCache, remote: folder.remote, usage: folder.usage };
      fresh = scanFocused(folder.files(open), { ...options, focus: new Set(edited.keys()) });
    } catch (e) {
      this.state.log(`[error] scan of the edited files of ${folder.root} failed: ${(e as Error).stack ?? e}`);
      return false;
    }
    const findings = mergeEditPass(previous.findings, fresh.findings, edited);
    const textOf = (file: string) => fresh.project.texts.get(file);
    const byUri = findingsToDiagnostics(findings, EDIT_PASS_GENERATION, (file) => folder.uriOf(file), textOf, this.state.positions, settings.lockfileFindings);
    const passed = this.editPassed.get(folder) ?? new Set<string>();
    this.editPassed.set(folder, passed);
    for (const rel of edited.keys()) {
      const uri = folder.uriOf(rel);
      this.send(folder, uri, byUri.get(uri) ?? []);
      passed.add(rel);
    }
    return true;
  }

  /**
   * The same files, and no answer landed since the published result was scanned. Answers
   * count: a scan scheduled by an edit or an opened file stands in for the rescan the
   * landed answers would have had (rescan() leaves them to it), and skipping it left them
   * unpublished (VS Code opening package.json files as lookups ended: theia's last 18
   * trust-change findings never showed).
   */
  private sameAsLastScan(folder: WorkspaceFolderState, files: SourceFile[]): boolean {
    const last = this.lastScanned.get(folder);
    if (last === undefined || !sameTexts(last, files)) return false;
    const scannedAt = folder.result && this.scanned.get(folder.result)?.mark;
    const plane = this.planeOf.get(folder)?.plane;
    return scannedAt !== undefined && (plane === undefined || plane.mark === scannedAt);
  }

  /** Queues the lookups the pass's data lacks (direct dependencies of open package.json files first). */
  private requestLookups(pass: Pass, options: LookUpOptions = {}): PlaneEntry {
    const { folder, settings, local } = pass;
    const entry = this.entryFor(folder, settings, local.project.npmrc);
    this.attach(folder, entry);
    this.askPlane(entry, folder, local.project, options);
    // Earlier audits of the locked tarballs, from the disk cache (new lockfile entries only).
    this.backgroundAudits.readCached(folder, local.project).catch((e) => this.state.log(`[warn] cached audits not read: ${(e as Error).message}`));
    return entry;
  }

  /** Queues on the plane what the project lacks, the open package.json files' direct dependencies first; true when something was queued. */
  private askPlane(entry: PlaneEntry, folder: WorkspaceFolderState, project: Project, options: LookUpOptions = {}): boolean {
    const urgent = this.openDirectDependencies(folder, project);
    if (!entry.plane.request(lookupNeeds(project), { ...options, urgent })) return false;
    this.markFetching(entry);
    void this.beginProgress(entry);
    return true;
  }

  private entryFor(folder: WorkspaceFolderState, settings: FolderSettings, npmrc: NpmConfig): PlaneEntry {
    const key = dataPlaneKey(settings, npmrc);
    let entry = this.planes.get(key);
    if (!entry) {
      const plane = new DataPlane(settings, npmrc, { cache: this.state.dataCache, env: process.env });
      const created: PlaneEntry = { key, plane, folders: new Set(), progressShownAt: 0 };
      plane.onLanded = (landed) => this.landed(created, landed.urgentDone, landed.finished);
      this.planes.set(key, created);
      entry = created;
    }
    return entry;
  }

  private attach(folder: WorkspaceFolderState, entry: PlaneEntry): void {
    const previous = this.planeOf.get(folder);
    if (previous === entry) return;
    if (previous) {
      previous.folders.delete(folder);
      this.dropIfUnused(previous);
    }
    entry.folders.add(folder);
    this.planeOf.set(folder, entry);
  }

  private dropIfUnused(entry: PlaneEntry): void {
    if (entry.folders.size > 0) return;
    entry.plane.cancel();
    this.endProgress(entry);
    this.planes.delete(entry.key);
  }

  /** The data a scan of the folder reads: its plane's store, the session's indicators. */
  private remoteFor(folder: WorkspaceFolderState): RemoteData | undefined {
    const entry = this.planeOf.get(folder);
    return entry && { ...entry.plane.data, iocs: this.state.iocs, audits: this.state.audits };
  }

  /** Registry names the folder's open package.json files declare: what the person is looking at. */
  private openDirectDependencies(folder: WorkspaceFolderState, project: Project): Set<string> {
    const names = new Set<string>();
    for (const doc of this.state.documents.all()) {
      const file = this.state.scannedFile(doc.uri);
      if (file?.folder !== folder || roleOfPath(file.rel) !== 'manifest') continue;
      const manifest = project.manifests.find((m) => m.path === file.rel);
      for (const d of manifest?.dependencies ?? []) names.add(d.aliasOf?.name ?? d.name);
    }
    return names;
  }

  /** Answers landed: the first ones a person waits for go out at once, the rest about once a second. */
  private landed(entry: PlaneEntry, urgentDone: boolean, finished: boolean): void {
    if (finished || urgentDone) this.flush(entry, finished);
    else if (!entry.flushTimer) entry.flushTimer = setTimeout(() => this.flush(entry, false), this.batchInterval(entry));
    if (finished) {
      this.endProgress(entry);
      this.markFetching(entry);
      // What the lookups read and dropped is garbage an idle server would keep (idle-gc.ts).
      lookupsFinished();
    } else this.reportProgress(entry);
  }

  private batchInterval(entry: PlaneEntry): number {
    let slowest = 0;
    for (const f of entry.folders) slowest = Math.max(slowest, this.scanMs.get(f) ?? 0);
    return Math.max(BATCH_PUBLISH_MS, BATCH_SCAN_SHARE * slowest);
  }

  private flush(entry: PlaneEntry, finished: boolean): void {
    clearTimeout(entry.flushTimer);
    entry.flushTimer = undefined;
    for (const folder of entry.folders) void this.rescan(folder, finished);
  }

  /** Merges landed answers: the folder's (already parsed) files are scanned again with them. */
  private async rescan(folder: WorkspaceFolderState, finished: boolean): Promise<void> {
    if (!folder.result) return; // its first scan is still to come
    // A scan is scheduled already (an edit): it reads the landed answers too, and goes through
    // the same steps (settled, background audits) once nothing is looked up any more.
    if (folder.timer) return;
    // The last one in full: kept findings were judged with an earlier clock (rescanLanded).
    const pass = finished ? await this.scan(folder, true) : await this.scanLanded(folder);
    if (!pass) return;
    this.publish(folder, pass.local, pass.settings);
    if (finished && !this.isLookingUp(folder)) {
      folder.settled();
      this.backgroundAudits.consider(folder, pass.local, pass.settings);
    }
  }

  /**
   * The folder's last result with the answers landed since (rescanLanded: only the landed
   * names are judged again), when its files, settings and data plane are the ones it was
   * scanned with; else a full scan.
   */
  private async scanLanded(folder: WorkspaceFolderState): Promise<Pass | undefined> {
    const previous = folder.result;
    const generation = folder.generation;
    const settings = await this.state.settingsFor(folder);
    if (generation !== folder.generation) return undefined; // a newer change is already scheduled
    const files = folder.files(this.state.openTexts(folder));
    const entry = this.planeOf.get(folder);
    const last = previous && this.scanned.get(previous);
    const landed = last && entry?.plane.changedSince(last.mark);
    if (!previous || !last || !entry || !landed || landed === 'all' || !settings.enable || !sameTexts(last.texts, files)) return this.scan(folder, true);
    const mark = entry.plane.mark;
    const remote = this.remoteFor(folder)!;
    let local: ScanResult | undefined;
    try {
      local = rescanLanded(previous, { settings, remote }, landed);
    } catch (e) {
      this.state.log(`[error] rescan of ${folder.root} failed: ${(e as Error).stack ?? e}`);
    }
    if (!local) return this.scan(folder, true);
    folder.remote = remote;
    this.scanned.set(local, { texts: last.texts, mark });
    return { folder, generation, files, settings, local };
  }

  private markFetching(entry: PlaneEntry): void {
    const busy = entry.plane.busy ? 1 : 0;
    for (const f of entry.folders) f.fetching = busy;
    this.state.sendStatus();
  }

  /** `window/workDoneProgress` while the plane looks up: a count and a cancel. */
  private async beginProgress(entry: PlaneEntry): Promise<void> {
    if (entry.progress || entry.progressStarting || !this.state.capabilities.workDoneProgress) return;
    entry.progressStarting = true;
    let reporter: WorkDoneProgressServerReporter;
    try {
      reporter = await this.state.connection.window.createWorkDoneProgress();
    } catch (e) {
      this.state.log(`[warn] no progress shown: ${(e as Error).message}`);
      return;
    } finally {
      entry.progressStarting = false;
    }
    if (!entry.plane.busy || this.planes.get(entry.key) !== entry) {
      reporter.done();
      return;
    }
    entry.progress = reporter;
    reporter.begin('depwarden', percent(entry), progressMessage(entry), true);
    entry.progressShownAt = Date.now();
    reporter.token.onCancellationRequested(() => {
      this.state.log('[info] lookups cancelled by the user: the packages not yet checked are reported as lookup-incomplete');
      entry.plane.cancel();
    });
  }

  private reportProgress(entry: PlaneEntry): void {
    if (!entry.progress || Date.now() - entry.progressShownAt < PROGRESS_MS) return;
    entry.progressShownAt = Date.now();
    entry.progress.report(percent(entry), progressMessage(entry));
  }

  private endProgress(entry: PlaneEntry): void {
    clearTimeout(entry.flushTimer);
    entry.flushTimer = undefined;
    entry.progress?.done();
    entry.progress = undefined;
  }

  /**
   * A folder's first scan: its project is built first and what it lacks is asked for at
   * once, and the event loop gets a turn before the rules run, so that the requests are on
   * their way meanwhile (the rules of a cold first scan of sentry take ~400 ms, during which
   * nothing else runs). Returns the project for the scan to use, or undefined (offline, or
   * it could not be built: the scan then builds it and reports why).
   */
  private async lookUpBeforeFirstScan(folder: WorkspaceFolderState, files: SourceFile[], settings: FolderSettings): Promise<Project | undefined> {
    const entry = this.planeOf.get(folder);
    if (!entry || settings.offline) return undefined;
    let project: Project;
    try {
      project = buildProject(files, { ...this.projectOptions(settings), cache: folder.parseCache, usage: folder.usage });
    } catch {
      return undefined;
    }
    // The plane was chosen from the root config; the scan checks the project agrees (scan()).
    if (this.entryFor(folder, settings, project.npmrc) !== entry) return project;
    if (this.askPlane(entry, folder, project)) await new Promise((resolve) => setTimeout(resolve, REQUESTS_HEAD_START_MS));
    return project;
  }

  private scanFiles(folder: WorkspaceFolderState, files: SourceFile[], settings: FolderSettings, project?: Project): ScanResult | undefined {
    try {
      const remote = this.remoteFor(folder);
      folder.remote = remote;
      const options = { ...this.projectOptions(settings), cache: folder.parseCache, remote, usage: folder.usage, keepForRescan: true, project };
      const mark = this.planeOf.get(folder)?.plane.mark ?? 0;
      const started = performance.now();
      const result = scanFiles(files, options);
      this.scanMs.set(folder, performance.now() - started);
      this.scanned.set(result, { texts: textsOf(files), mark });
      for (const e of result.ruleErrors) this.state.log(`[error] rule ${e.rule}: ${e.message}`);
      return result;
    } catch (e) {
      this.state.log(`[error] scan of ${folder.root} failed: ${(e as Error).stack ?? e}`);
      return undefined;
    }
  }

  /** What every scan of a folder is built with besides its files. */
  private projectOptions(settings: FolderSettings) {
    return { settings, outerNpmrc: this.state.outerNpmrc, env: process.env };
  }

  private publish(folder: WorkspaceFolderState, result: ScanResult, settings: FolderSettings): void {
    const { positions } = this.state;
    const generation = ++this.publishSeq;
    this.editPassed.delete(folder);
    folder.result = result;
    folder.resultGeneration = generation;
    const textOf = (file: string) => result.project.texts.get(file);
    const byUri = findingsToDiagnostics(result.findings, generation, (file) => folder.uriOf(file), textOf, positions, settings.lockfileFindings);
    for (const uri of folder.published) if (!byUri.has(uri)) byUri.set(uri, []);
    // Every scanned file gets a publish (possibly empty) so a fixed problem disappears.
    for (const file of result.project.texts.keys()) {
      const uri = folder.uriOf(file);
      if (!byUri.has(uri) && folder.published.has(uri)) byUri.set(uri, []);
    }
    for (const [uri, diagnostics] of byUri) this.send(folder, uri, diagnostics);
    this.state.sendStatus();
    const waiters = this.publishWaiters.get(folder);
    this.publishWaiters.delete(folder);
    for (const w of waiters ?? []) w();
  }

  /**
   * Sends a file's diagnostics unless they are the ones last sent (their quick fixes still
   * resolve: code-actions finds a finding of a newer result by rule and range).
   */
  private send(folder: WorkspaceFolderState, uri: string, diagnostics: Diagnostic[]): void {
    const sent = this.lastSent.get(folder) ?? new Map<string, string>();
    this.lastSent.set(folder, sent);
    if (diagnostics.length) folder.published.add(uri);
    else folder.published.delete(uri);
    const key = diagnosticsKey(diagnostics);
    if (sent.get(uri) === key) return;
    if (diagnostics.length) sent.set(uri, key);
    else sent.delete(uri);
    this.state.connection.sendDiagnostics({ uri, diagnostics });
  }

  /** Takes the folder's diagnostics back (disabled, or the folder left the workspace). */
  clear(folder: WorkspaceFolderState): void {
    for (const uri of folder.published) this.state.connection.sendDiagnostics({ uri, diagnostics: [] });
    folder.published.clear();
    folder.result = undefined;
    this.lastSent.delete(folder);
    this.lastScanned.delete(folder);
    this.editPassed.delete(folder);
  }

  /** The folder left the workspace. */
  remove(folder: WorkspaceFolderState): void {
    this.clear(folder);
    this.scanMs.delete(folder);
    this.edits.delete(folder);
    this.fullDue.delete(folder);
    const entry = this.planeOf.get(folder);
    this.planeOf.delete(folder);
    if (entry) {
      entry.folders.delete(folder);
      this.dropIfUnused(entry);
    }
  }
}

/** A scan's files: path -> text (or why it could not be read). */
function textsOf(files: SourceFile[]): Map<string, string | undefined> {
  return new Map(files.map((f) => [f.path, f.readError ?? f.text]));
}

function sameTexts(texts: Map<string, string | undefined>, files: SourceFile[]): boolean {
  return texts.size === files.length && files.every((f) => texts.has(f.path) && texts.get(f.path) === (f.readError ?? f.text));
}

function diagnosticsKey(diagnostics: Diagnostic[]): string {
  return JSON.stringify(diagnostics.map(({ data: _data, ...d }) => d));
}

function percent(entry: PlaneEntry): number {
  const { done, total } = entry.plane.progress;
  return total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
}

function progressMessage(entry: PlaneEntry): string {
  const { done, total } = entry.plane.progress;
  return `checking ${thousands(done)}/${thousands(total)} packages`;
}
