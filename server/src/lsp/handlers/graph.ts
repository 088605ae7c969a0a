import * as path from 'node:path';
import { graphChildren, graphRoots, toLspNodes, whyAt, whyPackage, type LspViewNode, type WhyAnswer } from '../graph-view';
import { GraphChildrenRequest, WhyRequest, type GraphChildrenParams, type WhyParams } from '../protocol';
import { onRequest } from '../safe-handler';
import { packageCoverage } from '../coverage';
import type { ServerState } from '../state';
import type { WorkspaceFolderState } from '../workspace-folder';

/** The dependency graph view and "why is this here?" (graph-view.ts computes both from the published results). */
export function registerGraph(state: ServerState): void {
  onRequest(state.connection, GraphChildrenRequest, state.log, [] as LspViewNode[], (params) => graphNodes(state, params));
  onRequest(state.connection, WhyRequest, state.log, { target: '', paths: [], total: 0 } as WhyAnswer, (params) => why(state, params));
}

const folderInfo = (folder: WorkspaceFolderState) => ({ uri: folder.uri, name: path.basename(folder.root) });

/** Children of a node (the roots without `parent`), computed when the client expands it. */
async function graphNodes(state: ServerState, params: GraphChildrenParams | undefined): Promise<LspViewNode[]> {
  const parent = params?.parent;
  const settings = new Map(await Promise.all(state.folders.map(async (f) => [f, await state.settingsFor(f)] as const)));
  return state.folders.flatMap((folder) => {
    const result = folder.result;
    if (!result || (parent && parent.folder !== folder.uri)) return [];
    const s = settings.get(folder)!;
    const coverage = { settings: s, restricted: s.restricted };
    // What the remote checks could not see, for the packages with no findings (coverage.ts).
    const notChecked = (name: string, version: string) => packageCoverage(result.project, coverage, folder.remote, name, version).missing;
    const options = { riskyOnly: params?.riskyOnly === true, notChecked };
    const nodes = parent ? graphChildren(result, parent, options) : graphRoots(result, folderInfo(folder), options);
    return toLspNodes(nodes, (file) => folder.uriOf(file), state.rangeOf(folder, result));
  });
}

/** The via paths of the lockfile entry, dependency or finding at a position, or of a package by name. */
function why(state: ServerState, params: WhyParams | undefined): WhyAnswer {
  const answers: WhyAnswer[] = [];
  for (const folder of state.folders) {
    const result = folder.result;
    if (!result || !params) continue;
    if (params.uri && params.position) {
      const rel = folder.relative(params.uri);
      const text = rel === undefined || state.folderOf(params.uri) !== folder ? undefined : result.project.texts.get(rel);
      if (text !== undefined) answers.push(whyAt(result, folderInfo(folder), rel!, state.positions.document(params.uri, text).offsetAt(params.position)));
    } else if (params.package) answers.push(whyPackage(result, folderInfo(folder), params.package, params.version || undefined));
  }
  return { target: answers.find((a) => a.paths.length)?.target ?? answers[0]?.target ?? '', paths: answers.flatMap((a) => a.paths), total: answers.reduce((n, a) => n + a.total, 0) };
}
