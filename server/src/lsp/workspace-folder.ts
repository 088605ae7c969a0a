import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceFile } from '../engine/model';
import { discoverProjectFiles, indexFile, MAX_FILE_BYTES } from '../engine/discover';
import { countSourceFiles, isInSkippedSourceDir, MAX_SOURCE_FILES, usageKindOfPath, type UsageIndex } from '../engine/source-usage';
import { ParseCache, roleOfPath } from '../engine/project';
import type { ScanResult } from '../engine/scan';
import type { RemoteData } from '../engine/data/remote-data';

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
  settledWaiters: Array<(settled: boolean) => void> = [];

  constructor(uri: string) {
    this.uri = uri.replace(/\/$/, '');
    this.root = fileURLToPath(this.uri);
  }

  async loadFromDisk(): Promise<void> {
    const { files, usage } = await discoverProjectFiles(this.root);
    this.disk = new Map(files.map((f) => [f.path, f]));
    this.usage = usage;
    this.generation++;
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

  /** Re-reads one file after a watcher event (created, changed or deleted). */
  async refreshFile(rel: string): Promise<void> {
    const role = roleOfPath(rel);
    if (!role || rel.split('/').includes('node_modules')) return;
    if (role === 'source') return this.refreshUsage(rel);
    const abs = path.join(this.root, rel);
    try {
      const stat = await fs.stat(abs);
      if (stat.size > MAX_FILE_BYTES) {
        this.disk.set(rel, { path: rel, text: '', readError: `the file is ${stat.size} bytes, over the ${MAX_FILE_BYTES}-byte limit` });
      } else {
        let text = await fs.readFile(abs, 'utf8');
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        this.disk.set(rel, { path: rel, text });
      }
    } catch {
      this.disk.delete(rel);
    }
    this.generation++;
  }

  /** Re-reads what one source or configuration file uses (created, changed or deleted). */
  private async refreshUsage(rel: string): Promise<void> {
    const usage = this.usage;
    if (!usage || isInSkippedSourceDir(rel)) return;
    const abs = path.join(this.root, rel);
    let exists = true;
    try {
      exists = (await fs.stat(abs)).isFile();
    } catch {
      exists = false;
    }
    if (!exists) usage.files.delete(rel);
    else if (!usage.files.has(rel) && usageKindOfPath(rel) === 'source' && countSourceFiles(usage) >= MAX_SOURCE_FILES) {
      // Over the limit: its folder is now not fully known, so the rule stays silent there.
      usage.unindexedDirs.add(rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
    } else await indexFile(usage, abs, rel);
    this.generation++;
  }

  /** Disk files with open documents' text laid over them. */
  files(open: Map<string, string>): SourceFile[] {
    const merged = new Map(this.disk);
    for (const [rel, text] of open) merged.set(rel, { path: rel, text });
    return [...merged.values()];
  }
}
