import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceFile } from '../engine/model';
import { discoverProjectFiles, isInSkippedDir, recordUsage, readWorkspaceFile, toSourceFile } from '../engine/discover';
import { countSourceFiles, isInSkippedSourceDir, MAX_SOURCE_BYTES, MAX_SOURCE_FILES, usageKindOfPath, type UsageIndex } from '../engine/source-usage';
import { ParseCache, roleOfPath } from '../engine/project';
import type { ScanResult } from '../engine/scan';
import type { RemoteData } from '../engine/data/remote-data';
import { scanSettled } from './idle-gc';

/**
 * One workspace folder: the files on disk (kept current by file-watcher events), the
 * parse cache, and the last scan result. Open documents overlay the disk copies.
 */
export class WorkspaceFolderState {
  readonly root: string;
  readonly uri: string;
  private disk = new Map<string, SourceFile>();
  readonly parseCache = new ParseCache();
  /** Bumped on every change; results computed for an older generation are dropped. */
  generation = 0;
  result?: ScanResult;
  resultGeneration = -1;
  /** Uris we have published diagnostics for (so we can clear them). */
  published = new Set<string>();
  timer?: NodeJS.Timeout;
  /** Registry/advisory data of the last lookup, reused by local re-scans until the next one lands. */
  remote?: RemoteData;
  /** Lookups in flight. */
  fetching = 0;
  /** Settles when the folder's current lookup (if any) is done; lookups run one at a time. */
  fetchChain: Promise<void> = Promise.resolve();
  /** What the folder's source and configuration files use (unused-dependency); names only, never texts. */
  usage?: UsageIndex;
  /** Resolved with true after the next complete scan (with registry data) is published. */
  private settledWaiters: Array<(settled: boolean) => void> = [];

  /**
   * Settles once the folder was first read from disk (or failed to be). A scan before
   * that sees only the open documents: a package.json without its lockfile, reported as
   * missing, and quick fixes that cannot pin.
   */
  readonly loaded: Promise<void>;
  private markLoaded!: () => void;

  constructor(uri: string) {
    this.uri = uri.replace(/\/$/, '');
    this.root = fileURLToPath(this.uri);
    this.loaded = new Promise<void>((resolve) => (this.markLoaded = resolve));
  }

  /** Resolves with true once the next complete scan (with registry data) is published. */
  whenSettled(): Promise<boolean> {
    return new Promise<boolean>((resolve) => this.settledWaiters.push(resolve));
  }

  /** A complete scan is out: whoever waited for this state can look now. */
  settled(): void {
    for (const w of this.settledWaiters.splice(0)) w(true);
    scanSettled();
  }

  async loadFromDisk(): Promise<void> {
    try {
      const { files, usage } = await discoverProjectFiles(this.root);
      this.disk = new Map(files.map((f) => [f.path, f]));
      this.usage = usage;
      this.generation++;
    } finally {
      this.markLoaded();
    }
  }

  /** The path relative to this folder, or undefined when the uri is outside it. */
  relative(uri: string): string | undefined {
    if (!uri.startsWith('file:')) return undefined;
    let fsPath: string;
    try {
      fsPath = fileURLToPath(uri);
    } catch {
      return undefined;
    }
    const rel = path.relative(this.root, fsPath);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join('/');
  }

  uriOf(rel: string): string {
    return pathToFileURL(path.join(this.root, rel)).toString();
  }

  /**
   * Re-reads one file after a watcher event (created, changed or deleted), by the same
   * rules as the first scan (discover.ts): a symlink is read only when its target is a
   * regular file inside the folder, FIFOs and devices are never opened, size is capped,
   * and a path through a symlinked directory is not part of the scan.
   */
  async refreshFile(rel: string): Promise<void> {
    const role = roleOfPath(rel);
    if (!role || isInSkippedDir(rel)) return;
    if (role === 'source') return this.refreshUsage(rel);
    const read = await readWorkspaceFile(this.root, rel);
    if (read) this.disk.set(rel, toSourceFile(rel, read));
    else this.disk.delete(rel);
    this.generation++;
  }

  /** The file's text as last read from disk (undefined when absent or unreadable), whatever a tab shows. */
  diskText(rel: string): string | undefined {
    const file = this.disk.get(rel);
    return file && !file.readError ? file.text : undefined;
  }

  /** Re-reads what one source or configuration file uses (created, changed or deleted). */
  private async refreshUsage(rel: string): Promise<void> {
    const usage = this.usage;
    if (!usage || isInSkippedSourceDir(rel)) return;
    const kind = usageKindOfPath(rel);
    if (!kind) return;
    const read = await readWorkspaceFile(this.root, rel, MAX_SOURCE_BYTES);
    if (!read) usage.files.delete(rel);
    else if (!usage.files.has(rel) && kind === 'source' && countSourceFiles(usage) >= MAX_SOURCE_FILES) {
      // Over the limit: its folder is now not fully known, so the rule stays silent there.
      usage.unindexedDirs.add(rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
    } else recordUsage(usage, rel, kind, read);
    this.generation++;
  }

  /** Disk files with open documents' text laid over them. */
  files(open: Map<string, string>): SourceFile[] {
    const merged = new Map(this.disk);
    for (const [rel, text] of open) merged.set(rel, { path: rel, text });
    return [...merged.values()];
  }
}
