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
    const what = `${c.files.join(', ')} changed: ${c.added} added, ${c.upgraded} upgraded, ${c.removed} removed`;
    // File names are the workspace's: plain text, no links (plain-text.ts).
    const show = c.flagged
      ? vscode.window.showWarningMessage(plainMessage(`depwarden: ${what}; ${c.flagged} need${c.flagged === 1 ? 's' : ''} a look.`), 'Review')
      : vscode.window.showInformationMessage(plainMessage(`depwarden: ${what}.`), 'Review');
    if ((await show) === 'Review') await showMarkdown(await client.sendRequest(LastChangeReviewRequest));
  });
}
