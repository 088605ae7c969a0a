import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CheckIocsRequest, IOC_ID, IocTextRequest } from '../../server/src/lsp/protocol';
import { plainMessage } from './plain-text';

/** Puts an IOC text on the clipboard and says whose (the first line, when it reads as `name@version`). */
export async function copyIocText(text: string): Promise<void> {
  await vscode.env.clipboard.writeText(text);
  const first = text.split('\n')[0];
  const what = /^[@\w./~+-]{1,240}$/.test(first) ? first : 'the indicator';
  void vscode.window.showInformationMessage(plainMessage(`depwarden: copied ${what} and its evidence to the clipboard.`));
}

/**
 * "Copy IOC" from a hover: the one command the client lets Markdown run. Markdown can be
 * injected, so the link carries nothing but an id and the text comes from the server,
 * which only knows texts it built; anything else is refused.
 */
export async function copyIocById(client: LanguageClient | undefined, id: unknown): Promise<void> {
  if (!client?.isRunning() || typeof id !== 'string' || !IOC_ID.test(id)) return;
  const text = await client.sendRequest(IocTextRequest, { id });
  if (typeof text !== 'string' || !text) {
    void vscode.window.showWarningMessage('depwarden: that indicator is no longer available; hover the package again.');
    return;
  }
  await copyIocText(text);
}

/**
 * "Check Workspace Against Indicators of Compromise": an incident's `name@version` list,
 * pasted or read from a file, matched against every lockfile of the workspace.
 */
export async function checkIocs(client: LanguageClient | undefined): Promise<void> {
  if (!client) return;
  const source = await vscode.window.showQuickPick(
    [
      { label: 'Paste a list', id: 'paste' },
      { label: 'Read a file…', id: 'file' },
    ],
    { title: 'Indicators of compromise (name@version, one per line)' },
  );
  if (!source) return;
  let text: string | undefined;
  if (source.id === 'paste') {
    text = await vscode.window.showInputBox({
      title: 'Indicators of compromise',
      prompt: 'name@version entries (name@* for every version), separated by spaces, commas or new lines',
      placeHolder: 'chalk@5.6.1 debug@4.4.2',
      ignoreFocusOut: true,
    });
  } else {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Check against this list' });
    if (picked?.[0]) text = new TextDecoder().decode(await vscode.workspace.fs.readFile(picked[0]));
  }
  if (!text) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'depwarden: checking the workspace against the list…' },
    () => client.sendRequest(CheckIocsRequest, { text }),
  );
  // The server words the outcome (handlers/iocs.ts), so tests read what the user reads.
  if (result.matches > 0) {
    const choice = await vscode.window.showErrorMessage(plainMessage(`depwarden: ${result.message}`), 'Show Problems');
    if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
  } else {
    void vscode.window.showInformationMessage(plainMessage(`depwarden: ${result.message}`));
  }
}
