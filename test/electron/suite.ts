// Runs inside VS Code's extension host (loaded by @vscode/test-electron through
// test/electron/run.ts). Checks the scenarios of test/e2e/scenarios.ts through the VS Code
// API instead of the DOM: diagnostics, hover and code action providers, workspace edits.
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { MANIFEST, SCENARIOS, type Scenario } from '../e2e/scenarios';

const WAIT_MS = 30_000;

/** Re-checks a condition on every diagnostics change and every 200 ms until it yields a value. */
function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  lastSeen: () => string = () => '',
): Promise<T> {
  return new Promise((resolveWait, rejectWait) => {
    let done = false;
    const finish = (err: Error | undefined, value?: T) => {
      if (done) return;
      done = true;
      clearInterval(interval);
      clearTimeout(timer);
      sub.dispose();
      if (err) rejectWait(err);
      else resolveWait(value as T);
    };
    // One check at a time: overlapping hover or code action requests cancel each other.
    let busy = false;
    const attempt = async () => {
      if (busy || done) return;
      busy = true;
      try {
        const value = await check();
        if (value !== undefined) finish(undefined, value);
      } catch (err) {
        finish(err as Error);
      } finally {
        busy = false;
      }
    };
    const sub = vscode.languages.onDidChangeDiagnostics(() => void attempt());
    // Hovers and code actions have no change event; the language server may still be starting.
    const interval = setInterval(() => void attempt(), 200);
    const timer = setTimeout(() => finish(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}; last seen: ${lastSeen()}`)), WAIT_MS);
    void attempt();
  });
}

function describe(d: vscode.Diagnostic): string {
  const code = typeof d.code === 'object' ? d.code.value : d.code;
  return `${d.message} ${d.source ?? ''}(${code ?? ''})`;
}

function tokenRange(doc: vscode.TextDocument, token: string): vscode.Range {
  const at = doc.getText().indexOf(token);
  if (at < 0) throw new Error(`${token} is not in ${doc.uri.fsPath}`);
  return new vscode.Range(doc.positionAt(at), doc.positionAt(at + token.length));
}

/** The hovers' Markdown as a person reads it: emphasis and code marks dropped. */
function hoverToText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n')
    .replace(/\\([\\`*_{}[\]()#+\-.!<>|~&:$])/g, '$1')
    .replace(/\*\*|`/g, '');
}

async function runScenario(s: Scenario, doc: vscode.TextDocument): Promise<'passed' | string> {
  switch (s.kind) {
    case 'status-bar':
      // Other extensions' status bar items are not readable through the API.
      return 'skipped: the status bar is only visible to the code-server suite';
    case 'suppress':
      return 'skipped: covered by the code-server suite';
    case 'graph-view':
      // Another extension's tree items are not readable through the API either.
      return 'skipped: the tree view is only visible to the code-server suite';
    case 'squiggle': {
      const range = tokenRange(doc, s.token);
      await waitFor(`a diagnostic on ${s.token} matching ${s.match}`, () =>
        vscode.languages
          .getDiagnostics(doc.uri)
          .find(
            (d) =>
              d.range.contains(range.start.translate(0, 1)) &&
              d.severity <= vscode.DiagnosticSeverity.Warning &&
              s.match.test(describe(d)),
          ),
      );
      return 'passed';
    }
    case 'problems':
      for (const entry of s.entries) {
        await waitFor(`a problem matching ${entry}`, () =>
          vscode.languages.getDiagnostics().flatMap(([, ds]) => ds).find((d) => entry.test(describe(d))),
        );
      }
      return 'passed';
    case 'hover': {
      const position = tokenRange(doc, s.token).start.translate(0, 1);
      let text = '';
      await waitFor(
        `a hover on ${s.token} matching ${s.contains}`,
        async () => {
          const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, position);
          text = hoverToText(hovers ?? []);
          return s.contains.every((re) => re.test(text)) ? true : undefined;
        },
        () => JSON.stringify(text),
      );
      return 'passed';
    }
    case 'quick-fix': {
      const range = tokenRange(doc, s.token);
      let titles: string[] = [];
      const action = await waitFor(
        `the code action "${s.action}"`,
        async () => {
          const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range);
          titles = (actions ?? []).map((a) => a.title);
          return (actions ?? []).find((a) => a.title === s.action);
        },
        () => JSON.stringify(titles),
      );
      if (action.edit && !(await vscode.workspace.applyEdit(action.edit))) throw new Error('the workspace edit was rejected');
      if (action.command) await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
      await waitFor(`the document to contain ${s.after}`, () => (doc.getText().includes(s.after) ? true : undefined));
      if (doc.getText().includes(s.gone)) throw new Error(`the document still contains ${s.gone}`);
      if (!(await doc.save())) throw new Error('saving the document failed');
      const disk = readFileSync(doc.uri.fsPath, 'utf8');
      if (!disk.includes(s.after) || disk.includes(s.gone)) throw new Error(`the file on disk was not changed: ${disk}`);
      return 'passed';
    }
  }
}

/** `log` is for harnesses other than test-electron's, which capture the output elsewhere. */
export async function run(log: (line: string) => void = (line) => console.log(line)): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, MANIFEST));
  await vscode.window.showTextDocument(doc);

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const [i, s] of SCENARIOS.entries()) {
    try {
      const result = await runScenario(s, doc);
      if (result === 'passed') {
        passed++;
        log(`ok ${i + 1} - ${s.title}`);
      } else {
        skipped++;
        log(`ok ${i + 1} - ${s.title} # ${result}`);
      }
    } catch (err) {
      failed++;
      log(`not ok ${i + 1} - ${s.title}: ${(err as Error).message}`);
    }
  }
  log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (failed) throw new Error(`${failed} end-to-end scenario(s) failed`);
}
