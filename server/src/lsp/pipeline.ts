import { fetchRemoteData } from '../engine/data/fetch-remote';
import { sameRemoteData, type RemoteData } from '../engine/data/remote-data';
import type { SourceFile } from '../engine/model';
import { scanFiles, type ScanResult } from '../engine/scan';
import { findingsToDiagnostics } from './diagnostics';
import type { FolderSettings, ServerState } from './state';
import type { WorkspaceFolderState } from './workspace-folder';

/** One trip through the pipeline: the files scanned, for which generation, with which data. */
export interface Pass {
  folder: WorkspaceFolderState;
  /** The folder's generation when the files were read; a newer one makes the pass stale. */
  generation: number;
  files: SourceFile[];
  settings: FolderSettings;
  /** The scan with the registry data of the last lookup (still the best knowledge). */
  local: ScanResult;
  /** The data `local` was scanned with. */
  usedRemote?: RemoteData;
}

export interface LookUpOptions {
  /** Ask the advisory service again even where the cache is fresh (the periodic alert check). */
  revalidateAdvisories?: boolean;
}

/**
 * The one way findings reach the editor, per workspace folder: scan → look up → rescan →
 * publish. Edits, watcher events, commands and the alert check all go through here, so
 * that every path drops stale results, runs one lookup at a time per folder, and skips
 * the second scan when a lookup brought nothing new.
 */
export class Pipeline {
  /** Each publish gets its own id: diagnostics name their finding by index in that result. */
  private publishSeq = 0;

  constructor(private readonly state: ServerState) {}

  /** Something the next scan must see changed: results of older scans are dropped. */
  changed(folder: WorkspaceFolderState, delay?: number): void {
    folder.generation++;
    this.schedule(folder, delay);
  }

  /** Debounced per folder: a burst of keystrokes gives one scan. */
  schedule(folder: WorkspaceFolderState, delay?: number): void {
    if (folder.timer) clearTimeout(folder.timer);
    void this.state.settingsFor(folder).then((s) => {
      if (folder.timer) clearTimeout(folder.timer);
      folder.timer = setTimeout(() => void this.scanAndPublish(folder), delay ?? s.debounceMs);
    });
  }

  /** Reads the folder from disk again, then scans it at once. */
  async reload(folder: WorkspaceFolderState): Promise<void> {
    try {
      await folder.loadFromDisk();
    } catch (e) {
      this.state.log(`[error] could not read ${folder.root}: ${(e as Error).message}`);
    }
    this.schedule(folder, 0);
  }

  /** Bumps the generation and runs the whole pipeline now; resolves with what was published after the lookup. */
  async refresh(folder: WorkspaceFolderState, options: LookUpOptions = {}): Promise<ScanResult | undefined> {
    folder.generation++;
    const pass = await this.scan(folder);
    return pass && this.lookUp(pass, options);
  }

  /** Local findings go out at once; fresh lookups run in the background and publish again when they land. */
  private async scanAndPublish(folder: WorkspaceFolderState): Promise<void> {
    folder.timer = undefined;
    const pass = await this.scan(folder);
    if (!pass) return;
    this.publish(folder, pass.local, pass.settings);
    void this.lookUp(pass);
  }

  /**
   * Scans the folder's current files (open documents over the disk copies) with the data
   * of its last lookup. Undefined when the folder is disabled, the scan failed, or a newer
   * change came meanwhile.
   */
  async scan(folder: WorkspaceFolderState): Promise<Pass | undefined> {
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
    const usedRemote = folder.remote;
    const local = this.scanFiles(folder, files, settings);
    if (!local || generation !== folder.generation) return undefined;
    return { folder, generation, files, settings, local, usedRemote };
  }

  /**
   * Looks up registry and advisory data for a pass, rescans with it and publishes.
   * Resolves with the published result, or undefined when the lookup failed or a newer
   * change superseded the pass (its own pass publishes then).
   */
  async lookUp(pass: Pass, options: LookUpOptions = {}): Promise<ScanResult | undefined> {
    const { folder, generation, local } = pass;
    const remote = await this.fetchInTurn(pass, options);
    if (!remote || generation !== folder.generation) {
      this.state.sendStatus(); // the lookup is over (or never started): the status bar stops saying so
      return undefined;
    }
    // Nothing new (the usual case while typing: every answer came from the memory cache):
    // the scan already made stands for this data, so skip a second full scan.
    const result = sameRemoteData(pass.usedRemote, remote) ? local : this.scanFiles(folder, pass.files, pass.settings);
    if (!result || generation !== folder.generation) {
      this.state.sendStatus();
      return undefined;
    }
    if (result !== local || folder.result !== local) this.publish(folder, result, pass.settings);
    else this.state.sendStatus();
    folder.settled();
    return result;
  }

  /**
   * One lookup at a time per folder: a cold lookup of a large lockfile takes seconds, and
   * keystrokes meanwhile must not start more of the same requests. A pass that was
   * superseded while it waited skips its lookup; the newest one runs on a warm cache.
   */
  private async fetchInTurn(pass: Pass, options: LookUpOptions): Promise<RemoteData | undefined> {
    const { folder } = pass;
    const previous = folder.fetchChain;
    let release!: () => void;
    folder.fetchChain = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      if (pass.generation !== folder.generation) return undefined;
      folder.fetching++;
      this.state.sendStatus();
      try {
        const { dataCache: cache, iocs } = this.state;
        folder.remote = await fetchRemoteData(pass.local.project, pass.settings, { cache, iocs, env: process.env, ...options });
        return folder.remote;
      } catch (e) {
        this.state.log(`[error] registry/advisory lookups failed: ${(e as Error).stack ?? e}`);
        return undefined;
      } finally {
        folder.fetching--;
      }
    } finally {
      release();
    }
  }

  private scanFiles(folder: WorkspaceFolderState, files: SourceFile[], settings: FolderSettings): ScanResult | undefined {
    try {
      const options = { settings, cache: folder.parseCache, remote: folder.remote, outerNpmrc: this.state.outerNpmrc, env: process.env, usage: folder.usage };
      const result = scanFiles(files, options);
      for (const e of result.ruleErrors) this.state.log(`[error] rule ${e.rule}: ${e.message}`);
      return result;
    } catch (e) {
      this.state.log(`[error] scan of ${folder.root} failed: ${(e as Error).stack ?? e}`);
      return undefined;
    }
  }

  private publish(folder: WorkspaceFolderState, result: ScanResult, settings: FolderSettings): void {
    const { connection, positions } = this.state;
    const generation = ++this.publishSeq;
    folder.result = result;
    folder.resultGeneration = generation;
    const textOf = (file: string) => result.project.texts.get(file);
    const byUri = findingsToDiagnostics(result.findings, generation, (file) => folder.uriOf(file), textOf, positions, settings.lockfileFindings);
    for (const uri of folder.published) if (!byUri.has(uri)) connection.sendDiagnostics({ uri, diagnostics: [] });
    // Every scanned file gets a publish (possibly empty) so a fixed problem disappears.
    for (const file of result.project.texts.keys()) {
      const uri = folder.uriOf(file);
      if (!byUri.has(uri) && folder.published.has(uri)) byUri.set(uri, []);
    }
    folder.published = new Set([...byUri.entries()].filter(([, d]) => d.length > 0).map(([u]) => u));
    for (const [uri, diagnostics] of byUri) connection.sendDiagnostics({ uri, diagnostics });
    this.state.sendStatus();
  }

  /** Takes the folder's diagnostics back (disabled, or the folder left the workspace). */
  clear(folder: WorkspaceFolderState): void {
    for (const uri of folder.published) this.state.connection.sendDiagnostics({ uri, diagnostics: [] });
    folder.published.clear();
    folder.result = undefined;
  }
}
