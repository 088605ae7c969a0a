/**
 * The language server's wiring: the state (state.ts), the pipeline that scans, looks up
 * and publishes (pipeline.ts), and the handlers (handlers/), each registered here once.
 * The messages of the depwarden/* protocol are typed in protocol.ts, shared with the client.
 */
import { createConnection, ProposedFeatures, type Connection } from 'vscode-languageserver/node';
import { ServerState } from './state';
import { Pipeline } from './pipeline';
import { AlertChecker } from './handlers/alerts';
import { registerLifecycle } from './handlers/lifecycle';
import { registerDocuments } from './handlers/documents';
import { registerFiles } from './handlers/files';
import { registerHover } from './handlers/hover';
import { registerCodeActions } from './handlers/code-actions';
import { registerCommands } from './handlers/commands';
import { registerReport } from './handlers/report';
import { registerReview } from './handlers/review';
import { registerIocs } from './handlers/iocs';
import { registerGraph } from './handlers/graph';
import { registerAudit } from './handlers/audit';

export function startServer(connection: Connection): void {
  const state = new ServerState(connection);
  const pipeline = new Pipeline(state);
  const alerts = new AlertChecker(state, pipeline);
  registerLifecycle(state, pipeline, alerts);
  registerDocuments(state, pipeline);
  registerFiles(state, pipeline);
  registerHover(state, pipeline);
  registerCodeActions(state, pipeline);
  registerCommands(state, pipeline);
  registerReport(state);
  registerReview(state);
  registerIocs(state, pipeline);
  registerGraph(state);
  registerAudit(state, pipeline);
  state.documents.listen(connection);
  connection.listen();
}

// Started by the client over IPC, or by tests over stdio (--stdio).
if (require.main === module) {
  const connection = createConnection(ProposedFeatures.all);
  process.on('uncaughtException', (e) => connection.console.error(`[fatal] ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => connection.console.error(`[fatal] ${(e as Error)?.stack ?? e}`));
  startServer(connection);
}
