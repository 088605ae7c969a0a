import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LockfileChangedNotification } from '../../server/src/lsp/protocol';
import { plainMessage } from './plain-text';
import type { ReportDocuments } from './report';

/** After a lockfile changed on disk: say what came in, and offer the review (a read-only preview, see report.ts). */
export function onLockfileChanged(client: LanguageClient, documents: ReportDocuments): vscode.Disposable {
  return client.onNotification(LockfileChangedNotification, async (c) => {
    // The server words it (handlers/review.ts); file names are the workspace's: plain text, no links (plain-text.ts).
    const text = plainMessage(`depwarden: ${c.message}`);
    const show = c.flagged ? vscode.window.showWarningMessage(text, 'Review') : vscode.window.showInformationMessage(text, 'Review');
    if ((await show) === 'Review') await documents.show('lastChange');
  });
}
