// Runs inside VS Code's extension host (loaded by @vscode/test-electron through
// test/electron/run.ts). Checks the scenarios of test/e2e/scenarios.ts through the VS Code
// API instead of the DOM: diagnostics, hover and code action providers, workspace edits.
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { MANIFEST, SCENARIOS, type Scenario } from '../e2e/scenarios';

const WAIT_MS = 30_000;

/** Re-checks a condition on every diagnostics change and every 200 ms until it yields a value. */
function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
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
    const attempt = async () => {
      try {
        const value = await check();
        if (value !== undefined) finish(undefined, value);
      } catch (err) {
        finish(err as Error);
      }
    };
    const sub = vscode.languages.onDidChangeDiagnostics(() => void attempt());
    // Hovers and code actions have no change event; the language server may still be starting.
    const interval = setInterval(() => void attempt(), 200);
    const timer = setTimeout(() => finish(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS);
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

function hoverToText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

async function runScenario(s: Scenario, doc: vscode.TextDocument): Promise<'passed' | string> {
  switch (s.kind) {
    case 'status-bar':
      // Other extensions' status bar items are not readable through the API.
      return 'skipped: the status bar is only visible to the code-server suite';
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
      await waitFor(`a hover on ${s.token} matching ${s.contains}`, async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, position);
        const text = hoverToText(hovers ?? []);
        return s.contains.every((re) => re.test(text)) ? true : undefined;
      });
      return 'passed';
    }
    case 'quick-fix': {
      const range = tokenRange(doc, s.token);
      const action = await waitFor(`the code action "${s.action}"`, async () => {
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range);
        return (actions ?? []).find((a) => a.title === s.action);
      });
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

export async function run(): Promise<void> {
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
        console.log(`ok ${i + 1} - ${s.title}`);
      } else {
        skipped++;
        console.log(`ok ${i + 1} - ${s.title} # ${result}`);
      }
    } catch (err) {
      failed++;
      console.log(`not ok ${i + 1} - ${s.title}: ${(err as Error).message}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (failed) throw new Error(`${failed} end-to-end scenario(s) failed`);
}
