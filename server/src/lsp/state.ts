import { TextDocuments, type Connection, type Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createCache, type DataCache } from '../engine/data/cache';
import type { IocList } from '../engine/data/remote-data';
import type { AuditResult } from '../engine/audit/model';
import type { Span } from '../engine/model';
import { roleOfPath } from '../engine/project';
import type { ScanResult } from '../engine/scan';
import type { EditCapabilities } from './code-actions';
import { PositionMapper } from './positions';
import { StatusNotification } from './protocol';
import { IocTexts } from './report-links';
import type { ReviewEntry } from './review';
import { toEngineSettings, type ClientSettings } from './settings';
import { workspaceStatus } from './status';
import type { WorkspaceFolderState } from './workspace-folder';

export type FolderSettings = ReturnType<typeof toEngineSettings>;

/** What the client said it supports (initialize). */
export interface ClientCapabilities {
  configuration: boolean;
  workspaceFolderEvents: boolean;
  /** window/workDoneProgress: the lookups' progress is shown (with a cancel). */
  workDoneProgress: boolean;
  edits: EditCapabilities;
}

/**
 * Everything the server knows, in one place (rust-analyzer's GlobalState): the folders
 * and their last results, the open documents, the settings per folder, the data cache
 * and the session's indicator list. Handlers read it; only the pipeline publishes.
 */
export class ServerState {
  readonly documents = new TextDocuments(TextDocument);
  readonly folders: WorkspaceFolderState[] = [];
  readonly positions = new PositionMapper((uri) => this.documents.get(uri));
  /** The texts behind the hovers' "Copy IOC" links (the links carry ids only). */
  readonly iocTexts = new IocTexts();
  readonly capabilities: ClientCapabilities = { configuration: false, workspaceFolderEvents: false, workDoneProgress: false, edits: { createFiles: false } };
  /** One data cache for the whole server: on disk in the extension's global storage when the client gives it, in memory otherwise (tests). */
  dataCache: DataCache = createCache();
  /** The user's and the global .npmrc lines (proxies, registries), read once at start. */
  outerNpmrc: string[] = [];
  /** The session's indicator list ("Check Workspace Against Indicators of Compromise"): every later scan matches it too. */
  iocs: IocList = new Map();
  /** Package audits of the session ("Audit this version"), by name@version: every later scan reports them. */
  readonly audits = new Map<string, AuditResult>();
  /** The review of the last on-disk lockfile change, for the client's "Review" button. */
  lastChangeReviews: ReviewEntry[] = [];
  /**
   * Uris deleted on disk while their tab stays open: VS Code keeps the document open (no
   * didClose), but the file is gone, and so must be its findings, until it is saved again.
   */
  readonly deletedOnDisk = new Set<string>();
  private readonly settingsCache = new Map<string, FolderSettings>();
  /** The last status sent: the same status is not sent again. */
  private lastStatus = '';

  constructor(readonly connection: Connection) {}

  readonly log = (message: string): void => this.connection.console.log(message);

  /** The innermost folder that holds the uri. */
  folderOf(uri: string): WorkspaceFolderState | undefined {
    let best: WorkspaceFolderState | undefined;
    for (const f of this.folders) if (f.relative(uri) !== undefined && (!best || f.root.length > best.root.length)) best = f;
    return best;
  }

  /** The folder and path of a file depwarden reads (a package.json, lockfile or config file), else undefined. */
  scannedFile(uri: string): { folder: WorkspaceFolderState; rel: string } | undefined {
    const folder = this.folderOf(uri);
    const rel = folder?.relative(uri);
    return folder && rel !== undefined && roleOfPath(rel) ? { folder, rel } : undefined;
  }

  async settingsFor(folder: WorkspaceFolderState): Promise<FolderSettings> {
    const cached = this.settingsCache.get(folder.uri);
    if (cached) return cached;
    let raw: ClientSettings | undefined;
    if (this.capabilities.configuration) {
      try {
        raw = await this.connection.workspace.getConfiguration({ scopeUri: folder.uri, section: 'depwarden' });
      } catch (e) {
        this.log(`[warn] could not read settings: ${(e as Error).message}`);
      }
    }
    const s = toEngineSettings(raw);
    this.settingsCache.set(folder.uri, s);
    return s;
  }

  /** Settings changed (or a rescan was asked for): read them again on next use. */
  forgetSettings(): void {
    this.settingsCache.clear();
  }

  /** The open documents' texts of the folder's scanned files, by path. */
  openTexts(folder: WorkspaceFolderState): Map<string, string> {
    const open = new Map<string, string>();
    for (const doc of this.documents.all()) {
      const file = this.scannedFile(doc.uri);
      if (file?.folder === folder && !this.deletedOnDisk.has(doc.uri)) open.set(file.rel, doc.getText());
    }
    return open;
  }

  /** Turns a span of a result's file into a range (undefined when the result does not hold the file). */
  rangeOf(folder: WorkspaceFolderState, result: ScanResult): (file: string, span: Span) => Range | undefined {
    return (file, span) => {
      const text = result.project.texts.get(file);
      return text === undefined ? undefined : this.positions.range(folder.uriOf(file), text, span);
    };
  }

  sendStatus(): void {
    const status = workspaceStatus(
      this.folders,
      (f) => this.settingsCache.get(f.uri)?.offline === true,
      (f) => this.settingsCache.get(f.uri)?.lockfileFindings ?? 'auto',
    );
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    void this.connection.sendNotification(StatusNotification, status);
  }
}
