import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { plainMessage } from './plain-text';

import { GraphChildrenRequest, WhyRequest, type LspViewNode as GraphNode, type NodeRef, type Severity, type WhyAnswer, type WhyParams } from '../../server/src/lsp/protocol';

const VIEW_ID = 'depwarden.graph';
const RISKY_CONTEXT = 'depwarden.graph.riskyOnly';

/** A stable id per node, whatever order the ref's fields arrive in (VS Code keeps expansion and reveals by id). */
function refKey(ref: NodeRef): string {
  switch (ref.kind) {
    case 'lockfile':
      return ['L', ref.folder, ref.lockfile].join('\0');
    case 'importer':
      return ['I', ref.folder, ref.lockfile, ref.importer].join('\0');
    case 'package':
      return ['P', ref.folder, ref.lockfile, ref.importer, ref.unresolved ?? '', ...ref.path].join('\0');
    case 'manifest':
      return ['M', ref.folder, ref.manifest].join('\0');
    case 'dependency':
      return ['D', ref.folder, ref.manifest, ref.name].join('\0');
  }
}

function parentRef(ref: NodeRef): NodeRef | undefined {
  switch (ref.kind) {
    case 'package':
      if (ref.path.length > 1) return { kind: 'package', folder: ref.folder, lockfile: ref.lockfile, importer: ref.importer, path: ref.path.slice(0, -1) };
      return { kind: 'importer', folder: ref.folder, lockfile: ref.lockfile, importer: ref.importer };
    case 'importer':
      return { kind: 'lockfile', folder: ref.folder, lockfile: ref.lockfile };
    case 'dependency':
      return { kind: 'manifest', folder: ref.folder, manifest: ref.manifest };
    default:
      return undefined;
  }
}

const ICONS: Record<Severity | 'none', { icon: string; color?: string }> = {
  error: { icon: 'error', color: 'problemsErrorIcon.foreground' },
  warning: { icon: 'warning', color: 'problemsWarningIcon.foreground' },
  info: { icon: 'info', color: 'problemsInfoIcon.foreground' },
  hint: { icon: 'info' },
  none: { icon: 'pass', color: 'testing.iconPassed' },
};

/**
 * "Dependencies (depwarden)": every level is asked of the server when it is expanded, so a
 * lockfile of thousands of packages opens at once.
 */
class DependencyTree implements vscode.TreeDataProvider<GraphNode> {
  private readonly changed = new vscode.EventEmitter<GraphNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  riskyOnly = false;
  /** Nodes by id, so getParent can hand back the objects the tree already holds. */
  private readonly known = new Map<string, GraphNode>();

  constructor(private readonly client: LanguageClient) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(parent?: GraphNode): Promise<GraphNode[]> {
    const nodes = await this.client.sendRequest(GraphChildrenRequest, { parent: parent?.ref, riskyOnly: this.riskyOnly });
    for (const n of nodes) this.known.set(refKey(n.ref), n);
    return nodes;
  }

  getParent(node: GraphNode): GraphNode | undefined {
    const ref = parentRef(node.ref);
    if (!ref) return undefined;
    return this.known.get(refKey(ref)) ?? stub(ref);
  }

  getTreeItem(node: GraphNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = refKey(node.ref);
    item.description = node.description;
    const worst = node.subtreeSeverity ?? node.severity;
    const icon = ICONS[worst ?? 'none'];
    // The shape says the worst thing at or below the node; the colour is kept for findings on the node itself.
    item.iconPath = new vscode.ThemeIcon(icon.icon, node.severity || !worst ? (icon.color ? new vscode.ThemeColor(icon.color) : undefined) : new vscode.ThemeColor('descriptionForeground'));
    const below = worst && worst !== node.severity ? `\nWorst below: ${worst}` : '';
    item.tooltip = `${node.tooltip ?? node.label}${below}`;
    item.contextValue = node.ref.kind;
    if (node.location) item.command = { command: 'depwarden.graph.open', title: 'Open', arguments: [node] };
    return item;
  }
}

function stub(ref: NodeRef): GraphNode {
  return { ref, label: '', findings: 0, hasChildren: true };
}

async function openLocation(node: GraphNode | undefined): Promise<void> {
  const loc = node?.location;
  if (!loc) return;
  const r = loc.range;
  await vscode.window.showTextDocument(vscode.Uri.parse(loc.uri), {
    selection: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character),
    preserveFocus: true,
  });
}

/** The view, its filter toggle, and "depwarden: Why Is This Here?". Returns the tree so the caller can refresh it on status changes. */
export function registerGraphView(context: vscode.ExtensionContext, client: LanguageClient): { refresh(): void } {
  const tree = new DependencyTree(client);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const setRiskyOnly = async (on: boolean) => {
    tree.riskyOnly = on;
    await vscode.commands.executeCommand('setContext', RISKY_CONTEXT, on);
    tree.refresh();
  };
  void vscode.commands.executeCommand('setContext', RISKY_CONTEXT, false);

  // Status notifications come in bursts (each publish, each lookup): one refresh per burst.
  let pending: NodeJS.Timeout | undefined;
  const refreshSoon = () => {
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => tree.refresh(), 250);
  };

  async function whyIsThisHere(arg?: unknown): Promise<void> {
    let params: WhyParams;
    // From a code action's arguments: a package by name (and version).
    if (arg && typeof arg === 'object' && 'package' in arg) params = arg as WhyParams;
    else {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      params = { uri: editor.document.uri.toString(), position: editor.selection.active };
    }
    const answer = await client.sendRequest(WhyRequest, params);
    if (answer.paths.length === 0) {
      void vscode.window.showInformationMessage(plainMessage(`depwarden: no dependency path leads to ${answer.target || 'anything at this position'}.`));
      return;
    }
    const lockfiles = new Set(answer.paths.map((p) => p.lockfile));
    const picked = await vscode.window.showQuickPick(
      answer.paths.map((p) => ({
        label: p.names.join(' › '),
        description: p.importerLabel,
        detail: lockfiles.size > 1 ? p.lockfile : undefined,
        path: p,
      })),
      { title: `Why is ${answer.target} here? (${pathCount(answer)})`, matchOnDescription: true },
    );
    if (!picked) return;
    try {
      await view.reveal(stub(picked.path.ref), { select: true, focus: true, expand: false });
    } catch {
      // In "risky only" a clean package is not in the tree: show everything and try again.
      if (!tree.riskyOnly) return;
      await setRiskyOnly(false);
      await view.reveal(stub(picked.path.ref), { select: true, focus: true, expand: false }).then(undefined, () => undefined);
    }
  }

  context.subscriptions.push(
    view,
    vscode.commands.registerCommand('depwarden.graph.showRiskyOnly', () => setRiskyOnly(true)),
    vscode.commands.registerCommand('depwarden.graph.showAll', () => setRiskyOnly(false)),
    vscode.commands.registerCommand('depwarden.graph.refresh', () => tree.refresh()),
    vscode.commands.registerCommand('depwarden.graph.open', openLocation),
    vscode.commands.registerCommand('depwarden.whyIsThisHere', whyIsThisHere),
    { dispose: () => pending && clearTimeout(pending) },
  );
  return { refresh: refreshSoon };
}

/** "3 paths", or "the first 200 of 1,234 paths" (one per direct dependency of each workspace that pulls the package in). */
function pathCount(answer: WhyAnswer): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const total = Math.max(answer.total ?? 0, answer.paths.length);
  const noun = `path${total === 1 ? '' : 's'}`;
  return total > answer.paths.length ? `the first ${n(answer.paths.length)} of ${n(total)} ${noun}` : `${n(total)} ${noun}`;
}
