import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { StatusBar } from './status-bar';
import { restrictSettings } from './trust';
import { withUserSetKeys } from './user-set';
import { ReportDocuments } from './report';
import { checkIocs, copyIocById, copyIocText } from './ioc';
import { onLockfileChanged } from './review';
import { registerGraphView } from './graph-view';
import { showAlerts } from './alerts';
import { auditVersion } from './audit';
import { AUDIT_VERSION_COMMAND, ClearCacheRequest, COPY_IOC_BY_ID, MANAGE_TRUST, SCANNED_FILE_GLOBS, ScanRequest, SERVER_ENV, SERVER_EXEC_ARGV, StatusNotification } from '../../server/src/lsp/protocol';

/**
 * Source and tool configuration files: the server keeps only the package names they use
 * (unused-dependency). One glob per watcher keeps matching cheap; files.watcherExclude
 * already keeps node_modules out, and the server ignores dist/, build/ and the like.
 */
const WATCHED_SOURCES = '**/*.{js,cjs,mjs,jsx,ts,cts,mts,tsx,vue,svelte,astro,css,scss,sass,less,html}';
const WATCHED_TOOL_CONFIGS = '**/{.*rc,.*rc.*,*.config.*,*.conf.*,tsconfig*.json,jsconfig*.json,angular.json,nx.json,project.json,turbo.json}';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('depwarden');
  const statusBar = new StatusBar();
  context.subscriptions.push(output, statusBar);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    // Memory settings (protocol.ts); the language client adds `env` to the extension host's environment.
    run: { module: serverModule, transport: TransportKind.ipc, options: { env: { ...SERVER_ENV }, execArgv: [...SERVER_EXEC_ARGV] } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { env: { ...SERVER_ENV }, execArgv: [...SERVER_EXEC_ARGV, '--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', pattern: SCANNED_FILE_GLOBS.manifests },
      { scheme: 'file', pattern: SCANNED_FILE_GLOBS.lockfiles },
      { scheme: 'file', pattern: SCANNED_FILE_GLOBS.projectConfig },
    ],
    synchronize: {
      fileEvents: [
        vscode.workspace.createFileSystemWatcher(SCANNED_FILE_GLOBS.watched),
        vscode.workspace.createFileSystemWatcher(WATCHED_SOURCES),
        vscode.workspace.createFileSystemWatcher(WATCHED_TOOL_CONFIGS),
      ],
    },
    outputChannel: output,
    // The hover's "Copy IOC" link is a command link; only that command may run from
    // Markdown, and it takes nothing but an id the server hands out (ioc.ts), so a link
    // injected into a card can run nothing else and copy nothing the server did not build.
    // No HTML in hovers.
    // "Manage workspace trust" (no arguments) is the other one, in a Restricted Mode card.
    markdown: { isTrusted: { enabledCommands: [COPY_IOC_BY_ID, AUDIT_VERSION_COMMAND, MANAGE_TRUST] }, supportHtml: false },
    initializationOptions: { globalStoragePath: context.globalStorageUri.fsPath },
    middleware: {
      workspace: {
        // In Restricted Mode only local rules run, and a workspace cannot redirect
        // where package names are sent.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((value, i) => {
            if (params.items[i]?.section !== 'depwarden') return value;
            return withEditorProxy(withUserSetKeys(vscode.workspace.isTrusted ? value : restrictSettings(value), params.items[i]?.scopeUri));
          });
        },
      },
    },
  };
  client = new LanguageClient('depwarden', 'depwarden', serverOptions, clientOptions);
  const reports = new ReportDocuments(() => client);
  context.subscriptions.push(
    reports,
    vscode.commands.registerCommand('depwarden.scanWorkspace', async () => {
      await client?.sendRequest(ScanRequest);
    }),
    vscode.commands.registerCommand('depwarden.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('depwarden.showReport', () => reports.show('report')),
    vscode.commands.registerCommand('depwarden.checkIocs', () => checkIocs(client)),
    vscode.commands.registerCommand('depwarden.reviewLockfileChanges', () => reports.show('review')),
    // From the light bulb (a code action's arguments, never Markdown): the text itself.
    vscode.commands.registerCommand('depwarden.copyIoc', async (text?: unknown) => {
      if (typeof text === 'string' && text) await copyIocText(text);
    }),
    vscode.commands.registerCommand(COPY_IOC_BY_ID, (id?: unknown) => copyIocById(client, id)),
    vscode.commands.registerCommand(AUDIT_VERSION_COMMAND, (uri?: unknown, name?: unknown, version?: unknown) => auditVersion(client, uri, name, version)),
    vscode.commands.registerCommand('depwarden.clearCache', async () => {
      await client?.sendRequest(ClearCacheRequest);
      void vscode.window.showInformationMessage('depwarden: registry and advisory cache cleared; the workspace is being re-checked.');
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      statusBar.refresh();
      void client?.sendNotification('workspace/didChangeConfiguration', { settings: null });
    }),
  );
  await client.start();
  context.subscriptions.push(onLockfileChanged(client, reports));
  const graph = registerGraphView(context, client);
  context.subscriptions.push(showAlerts(client));
  // One handler per notification method (a second registration would replace the first).
  context.subscriptions.push(
    client.onNotification(StatusNotification, (s) => {
      statusBar.update(s);
      graph.refresh();
      reports.refresh();
    }),
  );
}

/**
 * VS Code's own proxy settings travel with depwarden's, so that registry and advisory
 * lookups take the same way out as the editor (the server then falls back to .npmrc and
 * the environment when http.proxy is empty).
 */
function withEditorProxy(value: unknown): unknown {
  const http = vscode.workspace.getConfiguration('http');
  const url = http.get<string>('proxy', '').trim();
  if (!url || !value || typeof value !== 'object') return value;
  return { ...(value as object), proxy: { url, strictSSL: http.get<boolean>('proxyStrictSSL', true), noProxy: http.get<string[]>('noProxy', []) } };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
