import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  DidChangeConfigurationNotification,
  FileChangeType,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { scanFiles, type ScanResult } from '../engine/scan';
import { fetchRemoteData } from '../engine/data/fetch-remote';
import { createCache, type DataCache } from '../engine/data/cache';
import { readOuterNpmrc } from '../engine/data/npmrc-files';
import { parseIocList, mergeIocLists } from '../engine/data/ioc';
import { sameRemoteData, type IocList, type RemoteData } from '../engine/data/remote-data';
import type { Lockfile, SourceFile } from '../engine/model';
import { parseLockfile } from '../engine/lockfile';
import { readAtRevision } from '../engine/review/git-base';
import { reviewLockfile, type LockfileReview } from '../engine/review/review';
import { renderReview, renderReviewError } from './review';
import { roleOfPath } from '../engine/project';
import { safeHandler } from './safe-handler';
import { toEngineSettings, type ClientSettings } from './settings';
import { WorkspaceFolderState } from './workspace-folder';
import { PositionMapper } from './positions';
import { findingsToDiagnostics } from './diagnostics';
import { hoverAt } from './hover';
import { IocTexts } from './report-links';
import { codeActionsFor, type EditCapabilities } from './code-actions';
import { renderReport } from './report';
import { graphChildren, graphRoots, toLspNodes, whyAt, whyPackage, type NodeRef, type WhyAnswer } from './graph-view';
import { alertMessage, takeNewAlerts, type AlertParams } from './alerts';
import * as path from 'node:path';
import { CodeActionKind } from 'vscode-languageserver';

/** Sent to the client after every publish: what the status bar shows. */
export interface StatusParams {
  manifests: number;
  lockfiles: number;
  packages: number;
  unparsed: number;
  error: number;
  warning: number;
  info: number;
  hint: number;
  offline: boolean;
  lookupsIncomplete: number;
  enabled: boolean;
  /** Registry/advisory lookups are running. */
  lookingUp: boolean;
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const folders: WorkspaceFolderState[] = [];
  const settingsCache = new Map<string, ReturnType<typeof toEngineSettings>>();
  const positions = new PositionMapper((uri) => documents.get(uri));
  let hasConfigurationCapability = false;
  let hasWorkspaceFolderEvents = false;
  const editCapabilities: EditCapabilities = { createFiles: false };
  const log = (m: string) => connection.console.log(m);
  // One data cache for the whole server: on disk in the extension's global storage when
  // the client gives it, in memory otherwise (tests).
  let dataCache: DataCache = createCache();
  let outerNpmrc: string[] = [];
  let iocs: IocList = new Map();
  let lastChangeReviews: Parameters<typeof renderReview>[0] = [];
  // The texts behind the hovers' "Copy IOC" links (the links carry ids only).
  const iocTexts = new IocTexts();

  function folderOf(uri: string): WorkspaceFolderState | undefined {
    let best: WorkspaceFolderState | undefined;
    for (const f of folders) if (f.relative(uri) !== undefined && (!best || f.root.length > best.root.length)) best = f;
    return best;
  }

  async function settingsFor(folder: WorkspaceFolderState) {
    const cached = settingsCache.get(folder.uri);
    if (cached) return cached;
    let raw: ClientSettings | undefined;
    if (hasConfigurationCapability) {
      try {
        raw = await connection.workspace.getConfiguration({ scopeUri: folder.uri, section: 'depwarden' });
      } catch (e) {
        log(`[warn] could not read settings: ${(e as Error).message}`);
      }
    }
    const s = toEngineSettings(raw);
    settingsCache.set(folder.uri, s);
    return s;
  }

  function openTexts(folder: WorkspaceFolderState): Map<string, string> {
    const open = new Map<string, string>();
    for (const doc of documents.all()) {
      const rel = folder.relative(doc.uri);
      if (rel !== undefined && folderOf(doc.uri) === folder && roleOfPath(rel)) open.set(rel, doc.getText());
    }
    return open;
  }

  /** Debounced per folder: a burst of keystrokes gives one scan. */
  function schedule(folder: WorkspaceFolderState, delay?: number): void {
    if (folder.timer) clearTimeout(folder.timer);
    void settingsFor(folder).then((s) => {
      if (folder.timer) clearTimeout(folder.timer);
      folder.timer = setTimeout(() => void runScan(folder), delay ?? s.debounceMs);
    });
  }

  async function runScan(folder: WorkspaceFolderState): Promise<void> {
    folder.timer = undefined;
    const generation = folder.generation;
    const settings = await settingsFor(folder);
    if (generation !== folder.generation) return; // a newer change is already scheduled
    if (!settings.enable) {
      clearDiagnostics(folder);
      sendStatus();
      return;
    }
    const files = folder.files(openTexts(folder));
    // Local findings at once, with the registry data of the last lookup (still the best
    // knowledge); fresh lookups run in the background and re-publish when they land.
    const usedRemote = folder.remote;
    const result = scanSafely(folder, files, settings);
    if (!result || generation !== folder.generation) return; // stale: the documents changed meanwhile
    publish(folder, result, generation);
    void refreshRemoteData(folder, generation, files, settings, result, usedRemote);
  }

  function scanSafely(folder: WorkspaceFolderState, files: SourceFile[], settings: Awaited<ReturnType<typeof settingsFor>>): ScanResult | undefined {
    try {
      const result = scanFiles(files, { settings, cache: folder.parseCache, remote: folder.remote, outerNpmrc, env: process.env, usage: folder.usage });
      for (const e of result.ruleErrors) log(`[error] rule ${e.rule}: ${e.message}`);
      return result;
    } catch (e) {
      log(`[error] scan of ${folder.root} failed: ${(e as Error).stack ?? e}`);
      return undefined;
    }
  }

  async function refreshRemoteData(
    folder: WorkspaceFolderState,
    generation: number,
    files: SourceFile[],
    settings: Awaited<ReturnType<typeof settingsFor>>,
    local: ScanResult,
    /** The data `local` was scanned with, when it is the published result. */
    usedRemote?: RemoteData,
  ): Promise<void> {
    // One lookup at a time per folder: a cold lookup of a large lockfile takes seconds, and
    // keystrokes meanwhile must not start more of the same requests. A scan that was
    // superseded while it waited skips its lookup; the newest one runs on a warm cache.
    const previous = folder.fetchChain;
    let release!: () => void;
    folder.fetchChain = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      if (generation !== folder.generation) return;
      folder.fetching++;
      sendStatus();
      try {
        folder.remote = await fetchRemoteData(local.project, settings, { cache: dataCache, iocs, env: process.env });
      } catch (e) {
        log(`[error] registry/advisory lookups failed: ${(e as Error).stack ?? e}`);
        return;
      } finally {
        folder.fetching--;
      }
    } finally {
      release();
    }
    if (generation !== folder.generation) {
      sendStatus();
      return; // a newer scan has started its own lookups
    }
    // Nothing new (the usual case while typing: every answer came from the memory cache):
    // the published result already stands for this data, so skip a second full scan.
    const result = usedRemote && sameRemoteData(usedRemote, folder.remote) ? local : scanSafely(folder, files, settings);
    if (result && generation === folder.generation) {
      if (result !== local || folder.result !== local) publish(folder, result, generation);
      else sendStatus(); // the lookup is over: the status bar stops saying so
      // Findings with registry data are out: whoever waited for this state can look now.
      const waiters = folder.settledWaiters.splice(0);
      for (const w of waiters) w(true);
    } else sendStatus();
  }

  // Each publish gets its own id: diagnostics name their finding by index in that result.
  let publishSeq = 0;
  function publish(folder: WorkspaceFolderState, result: ScanResult, _generation: number): void {
    const generation = ++publishSeq;
    folder.result = result;
    folder.resultGeneration = generation;
    const byUri = findingsToDiagnostics(
      result.findings,
      generation,
      (file) => folder.uriOf(file),
      (file) => result.project.texts.get(file),
      positions,
    );
    for (const uri of folder.published) if (!byUri.has(uri)) connection.sendDiagnostics({ uri, diagnostics: [] });
    // Every scanned file gets a publish (possibly empty) so a fixed problem disappears.
    for (const file of result.project.texts.keys()) {
      const uri = folder.uriOf(file);
      if (!byUri.has(uri) && folder.published.has(uri)) byUri.set(uri, []);
    }
    folder.published = new Set([...byUri.entries()].filter(([, d]) => d.length > 0).map(([u]) => u));
    for (const [uri, diagnostics] of byUri) connection.sendDiagnostics({ uri, diagnostics });
    sendStatus();
  }

  function clearDiagnostics(folder: WorkspaceFolderState): void {
    for (const uri of folder.published) connection.sendDiagnostics({ uri, diagnostics: [] });
    folder.published.clear();
    folder.result = undefined;
  }

  function sendStatus(): void {
    const status: StatusParams = {
      lookingUp: folders.some((f) => f.fetching > 0),
      manifests: 0,
      lockfiles: 0,
      packages: 0,
      unparsed: 0,
      error: 0,
      warning: 0,
      info: 0,
      hint: 0,
      offline: false,
      lookupsIncomplete: 0,
      enabled: false,
    };
    for (const folder of folders) {
      const r = folder.result;
      const s = settingsCache.get(folder.uri);
      if (s?.offline) status.offline = true;
      if (!r) continue;
      status.enabled = true;
      for (const f of r.files) {
        if (f.kind === 'manifest') status.manifests++;
        else {
          status.lockfiles++;
          status.packages += f.packages ?? 0;
        }
        if (!f.parsed) status.unparsed++;
      }
      for (const f of r.findings) {
        if (f.suppressed) continue;
        status[f.severity]++;
        if (f.rule === 'lookup-incomplete') status.lookupsIncomplete++;
      }
    }
    void connection.sendNotification('depwarden/status', status);
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    hasConfigurationCapability = Boolean(params.capabilities.workspace?.configuration);
    hasWorkspaceFolderEvents = Boolean(params.capabilities.workspace?.workspaceFolders);
    const storage = (params.initializationOptions as { globalStoragePath?: unknown } | undefined)?.globalStoragePath;
    if (typeof storage === 'string' && storage) dataCache = createCache(path.join(storage, 'cache'));
    const workspaceEdit = params.capabilities.workspace?.workspaceEdit;
    editCapabilities.createFiles = Boolean(workspaceEdit?.documentChanges && workspaceEdit.resourceOperations?.includes('create'));
    const wsFolders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    for (const f of wsFolders) if (f.uri.startsWith('file:')) folders.push(new WorkspaceFolderState(f.uri));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'depwarden', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    if (hasConfigurationCapability) {
      // `http`: the client passes VS Code's proxy settings along with depwarden's.
      void connection.client.register(DidChangeConfigurationNotification.type, { section: ['depwarden', 'http'] });
    }
    if (hasWorkspaceFolderEvents) connection.workspace.onDidChangeWorkspaceFolders(async (event) => {
      for (const removed of event.removed) {
        const i = folders.findIndex((f) => f.uri === removed.uri.replace(/\/$/, ''));
        if (i >= 0) {
          clearDiagnostics(folders[i]);
          folders.splice(i, 1);
        }
      }
      for (const added of event.added) {
        const folder = new WorkspaceFolderState(added.uri);
        folders.push(folder);
        await loadAndScan(folder);
      }
    });
    try {
      outerNpmrc = await readOuterNpmrc();
    } catch (e) {
      log(`[warn] could not read user/global .npmrc: ${(e as Error).message}`);
    }
    await Promise.all(folders.map(loadAndScan));
    void scheduleAlertCheck();
  });

  async function loadAndScan(folder: WorkspaceFolderState): Promise<void> {
    try {
      await folder.loadFromDisk();
    } catch (e) {
      log(`[error] could not read ${folder.root}: ${(e as Error).message}`);
    }
    schedule(folder, 0);
  }

  connection.onDidChangeConfiguration(() => {
    settingsCache.clear();
    void scheduleAlertCheck();
    for (const f of folders) {
      f.generation++;
      schedule(f, 0);
    }
  });

  connection.onDidChangeWatchedFiles(async (params) => {
    const touched = new Set<WorkspaceFolderState>();
    const previousLockfiles = new Map<WorkspaceFolderState, Map<string, Lockfile>>();
    for (const change of params.changes) {
      const folder = folderOf(change.uri);
      const rel = folder?.relative(change.uri);
      if (!folder || rel === undefined) continue;
      const before = folder.result?.project.lockfiles.find((l) => l.path === rel);
      if (before && roleOfPath(rel) === 'lockfile') {
        if (!previousLockfiles.has(folder)) previousLockfiles.set(folder, new Map());
        previousLockfiles.get(folder)!.set(rel, before);
      }
      // An open document's text wins over the disk copy; the disk copy still matters once it closes.
      await folder.refreshFile(rel);
      if (change.type === FileChangeType.Deleted) positions.forget(change.uri);
      touched.add(folder);
    }
    for (const f of touched) schedule(f);
    for (const [folder, previous] of previousLockfiles) void reviewWhenScanned(folder, previous);
  });

  /**
   * After a lockfile changed on disk (a save, a branch switch, an install), tell the
   * client what the change brought in, once the new scan (with registry data) is there.
   */
  async function reviewWhenScanned(folder: WorkspaceFolderState, previous: Map<string, Lockfile>): Promise<void> {
    const settled = await new Promise<boolean>((resolve) => folder.settledWaiters.push(resolve));
    if (!settled) return; // another change came first: its own review follows
    const result = folder.result;
    if (!result) return;
    const reviews: LockfileReview[] = [];
    for (const [path, before] of previous) {
      if (!result.project.lockfiles.some((l) => l.path === path)) continue;
      const review = reviewLockfile(before, result, path, folder.remote);
      if (review.changes.length) reviews.push(review);
    }
    if (!reviews.length) return;
    lastChangeReviews = reviews.map((review) => ({ folder: '', against: 'the previous version', review, uriOf: (f: string) => folder.uriOf(f) }));
    const added = reviews.reduce((n, r) => n + r.counts.added, 0);
    const upgraded = reviews.reduce((n, r) => n + r.counts.upgraded + r.counts.downgraded, 0);
    const flagged = reviews.reduce((n, r) => n + r.changes.filter((c) => c.findings.some((f) => !f.suppressed && (f.severity === 'error' || f.severity === 'warning')) || c.trust.length).length, 0);
    void connection.sendNotification('depwarden/lockfileChanged', {
      files: reviews.map((r) => r.path),
      added,
      upgraded,
      removed: reviews.reduce((n, r) => n + r.counts.removed, 0),
      flagged,
    });
  }

  documents.onDidChangeContent((e) => {
    const folder = folderOf(e.document.uri);
    const rel = folder?.relative(e.document.uri);
    if (!folder || rel === undefined || !roleOfPath(rel)) return;
    folder.generation++;
    schedule(folder);
  });

  documents.onDidClose((e) => {
    const folder = folderOf(e.document.uri);
    const rel = folder?.relative(e.document.uri);
    if (!folder || rel === undefined || !roleOfPath(rel)) return;
    // Back to the disk copy (unsaved edits are gone).
    void folder.refreshFile(rel).then(() => schedule(folder, 0));
  });

  connection.onHover(
    safeHandler('hover', log, null, (params) => {
      const folder = folderOf(params.textDocument.uri);
      const rel = folder?.relative(params.textDocument.uri);
      const doc = documents.get(params.textDocument.uri);
      if (!folder?.result || rel === undefined || !doc) return null;
      if (folder.result.project.texts.get(rel) !== doc.getText()) return null; // result is for an older text
      return hoverAt(folder.result, rel, doc.offsetAt(params.position), folder.remote, { iocs: iocTexts });
    }),
  );

  connection.onRequest(
    'depwarden/iocText',
    safeHandler('iocText', log, null, (params: { id?: unknown } | undefined) => iocTexts.get(params?.id) ?? null),
  );

  connection.onCodeAction(
    safeHandler('codeAction', log, [], (params) => {
      const folder = folderOf(params.textDocument.uri);
      if (!folder?.result) return [];
      return codeActionsFor(
        folder.result,
        folder.resultGeneration,
        params.context.diagnostics,
        (file) => {
          const doc = documents.get(folder.uriOf(file));
          return doc ? doc.getText() : folder.result!.project.texts.get(file);
        },
        (file) => folder.uriOf(file),
        positions,
        editCapabilities,
        params.textDocument.uri,
      );
    }),
  );

  // Markdown of every finding in the workspace (the client's "depwarden: Show Report").
  connection.onRequest(
    'depwarden/report',
    safeHandler('report', log, '', async () => {
      const entries = await Promise.all(
        folders.map(async (f) => ({ name: path.basename(f.root), enabled: (await settingsFor(f)).enable, result: f.result, uriOf: (file: string) => f.uriOf(file) })),
      );
      return renderReport(entries, positions);
    }),
  );

  connection.onRequest(
    'depwarden/scan',
    safeHandler('scan', log, { folders: 0 }, async () => {
      settingsCache.clear();
      await Promise.all(folders.map(loadAndScan));
      return { folders: folders.length };
    }),
  );

  // "depwarden: Review Lockfile Changes": every lockfile against git HEAD (or a revision).
  connection.onRequest(
    'depwarden/review',
    safeHandler('review', log, '', async (params: { base?: string } | undefined) => {
      const base = params?.base || 'HEAD';
      const reviews: Parameters<typeof renderReview>[0] = [];
      for (const folder of folders) {
        const result = folder.result;
        if (!result) continue;
        for (const lockfile of result.project.lockfiles) {
          let before: Lockfile | undefined;
          try {
            const text = await readAtRevision(folder.root, base, lockfile.path);
            before = text === undefined ? undefined : parseLockfile(lockfile.path, text);
          } catch (e) {
            return renderReviewError(lockfile.path, base, (e as Error).message);
          }
          reviews.push({ folder: folders.length > 1 ? folder.root.split(/[\\/]/).pop() ?? '' : '', against: `git ${base}`, review: reviewLockfile(before, result, lockfile.path, folder.remote), uriOf: (f) => folder.uriOf(f) });
        }
      }
      return renderReview(reviews);
    }),
  );

  // The review of the last on-disk lockfile change (save, branch switch), for the client's "Review" button.
  connection.onRequest(
    'depwarden/lastChangeReview',
    safeHandler('lastChangeReview', log, '', () => renderReview(lastChangeReviews)),
  );

  connection.onRequest(
    'depwarden/clearCache',
    safeHandler('clearCache', log, { cleared: false }, async () => {
      await dataCache.clear();
      for (const f of folders) f.remote = undefined;
      await Promise.all(folders.map(loadAndScan));
      return { cleared: true };
    }),
  );

  // "Check Workspace Against Indicators of Compromise": the list stays active for the
  // session, so every later scan matches it too.
  connection.onRequest(
    'depwarden/checkIocs',
    safeHandler('checkIocs', log, { accepted: 0, rejected: [] as string[], matches: 0 }, async (params: { text: string }) => {
      const parsed = parseIocList(String(params?.text ?? ''));
      iocs = mergeIocLists(iocs, parsed.iocs);
      // Wait for this scan's lookups so the answer can say how many entries matched.
      await Promise.all(
        folders.map(async (folder) => {
          const settings = await settingsFor(folder);
          const files = folder.files(openTexts(folder));
          folder.generation++;
          const generation = folder.generation;
          const local = scanSafely(folder, files, settings);
          if (local) await refreshRemoteData(folder, generation, files, settings, local);
        }),
      );
      let matches = 0;
      for (const f of folders) matches += f.result?.findings.filter((x) => x.rule === 'known-malware' && /indicator|IOC/i.test(x.message)).length ?? 0;
      return { accepted: [...parsed.iocs.values()].reduce((n, v) => n + v.size, 0), rejected: parsed.rejected.map((r) => r.text), matches };
    }),
  );

  // ---- Dependency graph view, "why is this here?" and alerts on new advisories (graph-view.ts, alerts.ts) ----
  const rangeOf = (folder: WorkspaceFolderState, result: ScanResult) => (file: string, span: { start: number; end: number }) => {
    const text = result.project.texts.get(file);
    return text === undefined ? undefined : positions.range(folder.uriOf(file), text, span);
  };

  // Children of a node (the roots without `parent`), computed when the client expands it.
  connection.onRequest(
    'depwarden/graphChildren',
    safeHandler('graphChildren', log, [] as ReturnType<typeof toLspNodes>, (params: { parent?: NodeRef; riskyOnly?: boolean } | undefined) => {
      const options = { riskyOnly: params?.riskyOnly === true };
      const parent = params?.parent;
      return folders.flatMap((folder) => {
        const result = folder.result;
        if (!result || (parent && parent.folder !== folder.uri)) return [];
        const nodes = parent ? graphChildren(result, parent, options) : graphRoots(result, { uri: folder.uri, name: path.basename(folder.root) }, options);
        return toLspNodes(nodes, (file) => folder.uriOf(file), rangeOf(folder, result));
      });
    }),
  );

  // The via paths of the lockfile entry, dependency or finding at a position, or of a package by name.
  connection.onRequest(
    'depwarden/why',
    safeHandler('why', log, { target: '', paths: [] } as WhyAnswer, (params: { uri?: string; position?: { line: number; character: number }; package?: string; version?: string }) => {
      const answers: WhyAnswer[] = [];
      for (const folder of folders) {
        const result = folder.result;
        if (!result) continue;
        const info = { uri: folder.uri, name: path.basename(folder.root) };
        if (params.uri && params.position) {
          const rel = folder.relative(params.uri);
          const text = rel === undefined || folderOf(params.uri) !== folder ? undefined : result.project.texts.get(rel);
          if (text !== undefined) answers.push(whyAt(result, info, rel!, positions.document(params.uri, text).offsetAt(params.position)));
        } else if (params.package) answers.push(whyPackage(result, info, params.package, params.version || undefined));
      }
      return { target: answers.find((a) => a.paths.length)?.target ?? answers[0]?.target ?? '', paths: answers.flatMap((a) => a.paths) };
    }),
  );

  // Every interval, ask the advisory API again for every folder's locked versions and alert
  // once per new malware or critical advisory. One timer at the shortest interval any folder asks for.
  const alertSeen = new Map<WorkspaceFolderState, Set<string>>();
  let alertTimer: NodeJS.Timeout | undefined;
  let alertSchedule = 0;
  let alertChecking = false;
  async function scheduleAlertCheck(): Promise<void> {
    const seq = ++alertSchedule;
    clearTimeout(alertTimer);
    const intervals = (await Promise.all(folders.map(settingsFor))).map((s) => s.alertIntervalMs).filter((ms) => ms > 0);
    if (seq !== alertSchedule || intervals.length === 0) return;
    alertTimer = setTimeout(async () => {
      if (alertChecking) return void scheduleAlertCheck();
      alertChecking = true;
      try {
        await Promise.all(folders.map(checkForNewAdvisories));
      } finally {
        alertChecking = false;
      }
      if (seq === alertSchedule) void scheduleAlertCheck();
    }, Math.min(...intervals));
  }

  async function checkForNewAdvisories(folder: WorkspaceFolderState): Promise<void> {
    const settings = await settingsFor(folder);
    if (!settings.enable || settings.offline || settings.advisories === null || settings.alertIntervalMs === 0) return;
    // Not before the folder's first lookups landed (every advisory would look new), nor during one.
    if (!folder.result || !folder.remote || folder.fetching > 0) return;
    const seen = alertSeen.get(folder) ?? new Set<string>();
    alertSeen.set(folder, seen);
    takeNewAlerts(folder.result, folder.remote, seen);
    const generation = folder.generation;
    const files = folder.files(openTexts(folder));
    const local = scanSafely(folder, files, settings);
    if (!local) return;
    folder.fetching++;
    sendStatus();
    try {
      folder.remote = await fetchRemoteData(local.project, settings, { cache: dataCache, iocs, revalidateAdvisories: true, env: process.env });
    } catch (e) {
      log(`[error] advisory re-check failed: ${(e as Error).stack ?? e}`);
      folder.fetching--;
      sendStatus();
      return;
    }
    folder.fetching--;
    const result = scanSafely(folder, files, settings);
    if (result && generation === folder.generation) publish(folder, result, generation);
    else sendStatus();
    if (!result) return;
    for (const alert of takeNewAlerts(result, folder.remote, seen)) {
      const range = rangeOf(folder, result)(alert.finding.file, alert.finding.span);
      if (!range) continue;
      const params: AlertParams = { message: alertMessage(alert), uri: folder.uriOf(alert.finding.file), range };
      void connection.sendNotification('depwarden/alert', params);
    }
  }

  documents.listen(connection);
  connection.listen();
}

// Started by the client over IPC, or by tests over stdio (--stdio).
if (require.main === module) {
  const connection = createConnection(ProposedFeatures.all);
  process.on('uncaughtException', (e) => connection.console.error(`[fatal] ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => connection.console.error(`[fatal] ${(e as Error)?.stack ?? e}`));
  startServer(connection);
}
