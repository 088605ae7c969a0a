import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AlertNotification } from '../../server/src/lsp/protocol';
import { plainMessage } from './plain-text';

/** A new malware or critical advisory for a locked version: an error notification with a button to the finding. */
export function showAlerts(client: LanguageClient): vscode.Disposable {
  return client.onNotification(AlertNotification, async (alert) => {
    // The message names a package and an advisory: plain text, no links (plain-text.ts).
    const choice = await vscode.window.showErrorMessage(plainMessage(alert.message), 'Show');
    if (choice !== 'Show') return;
    const r = alert.range;
    await vscode.window.showTextDocument(vscode.Uri.parse(alert.uri), { selection: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) });
  });
}
