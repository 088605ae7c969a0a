import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LastChangeReviewRequest, LockfileChangedNotification, ReviewRequest } from '../../server/src/lsp/protocol';
import { plainMessage } from './plain-text';

async function showMarkdown(markdown: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
}

/** "depwarden: Review Lockfile Changes": every lockfile against git HEAD. */
export async function reviewLockfileChanges(client: LanguageClient | undefined): Promise<void> {
  if (!client?.isRunning()) return;
  await showMarkdown(await client.sendRequest(ReviewRequest, { base: 'HEAD' }));
}

/** After a lockfile changed on disk: say what came in, and offer the review. */
export function onLockfileChanged(client: LanguageClient): vscode.Disposable {
  return client.onNotification(LockfileChangedNotification, async (c) => {
    // The server words it (handlers/review.ts); file names are the workspace's: plain text, no links (plain-text.ts).
    const text = plainMessage(`depwarden: ${c.message}`);
    const show = c.flagged ? vscode.window.showWarningMessage(text, 'Review') : vscode.window.showInformationMessage(text, 'Review');
    if ((await show) === 'Review') await showMarkdown(await client.sendRequest(LastChangeReviewRequest));
  });
}
