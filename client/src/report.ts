import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LastChangeReviewRequest, ReportRequest, ReviewRequest } from '../../server/src/lsp/protocol';

/** The scheme of depwarden's read-only documents (the report and the lockfile reviews). */
export const REPORT_SCHEME = 'depwarden';

export type ReportKind = 'report' | 'review' | 'lastChange';

/** One document per kind; the `.md` makes VS Code read them as Markdown. */
const PATHS: Record<ReportKind, string> = {
  report: '/depwarden report.md',
  review: '/lockfile changes since git HEAD.md',
  lastChange: '/last lockfile change.md',
};

const uriOf = (kind: ReportKind) => vscode.Uri.from({ scheme: REPORT_SCHEME, path: PATHS[kind] });

/**
 * "Show Report", "Review Lockfile Changes" and the review after a lockfile changed on disk:
 * `depwarden:` documents whose text the server renders as Markdown, shown in VS Code's
 * Markdown preview. A content provider's documents are read-only and never dirty (the
 * untitled buffers they replace asked to be saved on close); the preview follows the
 * theme and opens the report's file links at their line (markdown.ts workspaceFileLink).
 * After every rescan the documents that were shown fetch their text again, and the
 * preview follows.
 */
export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly shown = new Set<ReportKind>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly registration: vscode.Disposable;

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const client = this.client();
    if (!client?.isRunning()) return '# depwarden\n\nThe language server is not running yet: run the command again in a moment.';
    // The preview resolves "/path#L12" links against the first workspace folder.
    const linkBase = vscode.workspace.workspaceFolders?.[0]?.uri.toString();
    const kind = (Object.keys(PATHS) as ReportKind[]).find((k) => PATHS[k] === uri.path);
    if (kind === 'report') return client.sendRequest(ReportRequest, { linkBase }, token);
    if (kind === 'review') return client.sendRequest(ReviewRequest, { base: 'HEAD', linkBase }, token);
    if (kind === 'lastChange') return client.sendRequest(LastChangeReviewRequest, { linkBase }, token);
    return '';
  }

  /** Opens (or brings up, with fresh text) the preview of one document. */
  async show(kind: ReportKind): Promise<void> {
    if (!this.client()?.isRunning()) {
      void vscode.window.showWarningMessage('depwarden: the language server is not running yet.');
      return;
    }
    const uri = uriOf(kind);
    if (this.shown.has(kind)) this.changed.fire(uri);
    this.shown.add(kind);
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  }

  /** A rescan published new results: the documents shown so far fetch their text again (at most twice a second). */
  refresh(): void {
    if (this.timer || this.shown.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const kind of this.shown) this.changed.fire(uriOf(kind));
    }, 500);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.registration.dispose();
    this.changed.dispose();
  }
}
