import * as path from 'node:path';
import { CodeActionKind, DidChangeConfigurationNotification, TextDocumentSyncKind, type InitializeParams, type InitializeResult } from 'vscode-languageserver';
import { createCache } from '../../engine/data/cache';
import { REVEAL_COMMAND } from '../code-actions';
import { readOuterNpmrc } from '../../engine/data/npmrc-files';
import type { Pipeline } from '../pipeline';
import type { ServerState } from '../state';
import { WorkspaceFolderState } from '../workspace-folder';
import type { AlertChecker } from './alerts';

/** initialize / initialized, workspace folders coming and going, and settings changes. */
export function registerLifecycle(state: ServerState, pipeline: Pipeline, alerts: AlertChecker): void {
  const { connection } = state;
  connection.onInitialize((params) => initialize(state, params));

  connection.onInitialized(async () => {
    if (state.capabilities.configuration) {
      // `http`: the client passes VS Code's proxy settings along with depwarden's.
      void connection.client.register(DidChangeConfigurationNotification.type, { section: ['depwarden', 'http'] });
    }
    if (state.capabilities.workspaceFolderEvents) followWorkspaceFolders(state, pipeline);
    try {
      state.outerNpmrc = await readOuterNpmrc();
    } catch (e) {
      state.log(`[warn] could not read user/global .npmrc: ${(e as Error).message}`);
    }
    await Promise.all(state.folders.map((f) => pipeline.reload(f)));
    void alerts.schedule();
  });

  connection.onDidChangeConfiguration(() => {
    state.forgetSettings();
    void alerts.schedule();
    for (const f of state.folders) pipeline.changed(f, 0, true);
  });
}

function initialize(state: ServerState, params: InitializeParams): InitializeResult {
  const workspace = params.capabilities.workspace;
  state.capabilities.configuration = Boolean(workspace?.configuration);
  state.capabilities.workspaceFolderEvents = Boolean(workspace?.workspaceFolders);
  state.capabilities.workDoneProgress = params.capabilities.window?.workDoneProgress === true;
  const edit = workspace?.workspaceEdit;
  state.capabilities.edits.createFiles = Boolean(edit?.documentChanges && edit.resourceOperations?.includes('create'));
  // Quick fixes without their edits, computed on codeAction/resolve (LSP 3.16), where the
  // client can fill in `edit` and keeps each action's data until then.
  const codeAction = params.capabilities.textDocument?.codeAction;
  state.capabilities.edits.resolve = Boolean(codeAction?.dataSupport && codeAction.resolveSupport?.properties.includes('edit'));
  state.capabilities.edits.showDocument = Boolean(params.capabilities.window?.showDocument?.support);
  const storage = (params.initializationOptions as { globalStoragePath?: unknown } | undefined)?.globalStoragePath;
  if (typeof storage === 'string' && storage) state.dataCache = createCache(path.join(storage, 'cache'));
  const wsFolders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
  for (const f of wsFolders) if (f.uri.startsWith('file:')) state.folders.push(new WorkspaceFolderState(f.uri));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: true },
      executeCommandProvider: { commands: [REVEAL_COMMAND] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'depwarden', version: '0.1.0' },
  };
}

function followWorkspaceFolders(state: ServerState, pipeline: Pipeline): void {
  state.connection.workspace.onDidChangeWorkspaceFolders(async (event) => {
    for (const removed of event.removed) {
      const i = state.folders.findIndex((f) => f.uri === removed.uri.replace(/\/$/, ''));
      if (i < 0) continue;
      pipeline.remove(state.folders[i]);
      state.folders.splice(i, 1);
    }
    for (const added of event.added) {
      const folder = new WorkspaceFolderState(added.uri);
      state.folders.push(folder);
      await pipeline.reload(folder);
    }
  });
}
