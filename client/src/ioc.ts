import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

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
      prompt: 'name@version entries, separated by spaces, commas or new lines',
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
    () => client.sendRequest<{ accepted: number; rejected: string[]; matches: number }>('depwarden/checkIocs', { text }),
  );
  const rejected = result.rejected.length ? ` ${result.rejected.length} entries were not name@version and were ignored.` : '';
  if (result.matches > 0) {
    const choice = await vscode.window.showErrorMessage(
      `depwarden: ${result.matches} locked package${result.matches === 1 ? '' : 's'} match the ${result.accepted} indicators.${rejected}`,
      'Show Problems',
    );
    if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
  } else {
    void vscode.window.showInformationMessage(`depwarden: no locked package matches the ${result.accepted} indicators.${rejected}`);
  }
}
