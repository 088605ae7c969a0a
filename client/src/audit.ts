import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AuditVersionRequest } from '../../server/src/lsp/protocol';
import { plainMessage } from './plain-text';

/**
 * "Audit this version" from the light bulb: the server downloads and reads the tarball
 * (never runs it) and re-checks; what it found appears as suspicious-code findings. The
 * arguments come from the server's code action; the server checks them again.
 */
export async function auditVersion(client: LanguageClient | undefined, uri: unknown, name: unknown, version: unknown): Promise<void> {
  if (!client?.isRunning() || typeof uri !== 'string' || typeof name !== 'string' || typeof version !== 'string') return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: plainMessage(`depwarden: auditing ${name}@${version}…`) },
    () => client.sendRequest(AuditVersionRequest, { uri, name, version }),
  );
  const message = plainMessage(result.summary);
  if (result.status === 'ok' && (result.high ?? 0) > 0) void vscode.window.showErrorMessage(message);
  else if (result.status === 'ok' && (result.medium ?? 0) > 0) void vscode.window.showWarningMessage(message);
  else if (result.status === 'ok') void vscode.window.showInformationMessage(message);
  else void vscode.window.showWarningMessage(message);
}
