import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReportRequest } from '../../server/src/lsp/protocol';

/**
 * "depwarden: Show Report": the server renders every finding of the workspace as
 * Markdown (`depwarden/report`); it opens in VS Code's Markdown preview, which follows
 * the theme and opens `file://...#L12` links at the line.
 */
export async function showReport(client: LanguageClient | undefined): Promise<void> {
  if (!client?.isRunning()) {
    void vscode.window.showWarningMessage('depwarden: the language server is not running yet.');
    return;
  }
  const markdown = await client.sendRequest(ReportRequest);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
}
