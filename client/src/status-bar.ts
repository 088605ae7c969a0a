import * as vscode from 'vscode';

import { MANAGE_TRUST, type StatusParams } from '../../server/src/lsp/protocol';

/** "depwarden: 3 lockfiles, 2,104 packages, 2 errors, 5 warnings"; click for the report. */
export class StatusBar implements vscode.Disposable {
  private item = vscode.window.createStatusBarItem('depwarden.status', vscode.StatusBarAlignment.Left, 10);
  private last: StatusParams | undefined;

  constructor() {
    this.item.name = 'depwarden';
    this.item.text = '$(sync~spin) depwarden';
    this.item.tooltip = 'depwarden is scanning';
    this.item.command = 'depwarden.showReport';
    this.item.show();
  }

  /** Shows the last status again (workspace trust changed). */
  refresh(): void {
    if (this.last) this.update(this.last);
  }

  update(s: StatusParams): void {
    this.last = s;
    if (!s.enabled) {
      this.item.text = 'depwarden: off';
      this.item.tooltip = 'depwarden is disabled for this workspace';
      return;
    }
    const n = (x: number) => x.toLocaleString('en-US');
    const plural = (x: number, word: string) => `${n(x)} ${word}${x === 1 ? '' : 's'}`;
    const parts = [plural(s.lockfiles, 'lockfile'), plural(s.packages, 'package'), plural(s.error, 'error'), plural(s.warning, 'warning')];
    if (s.unparsed) parts.push(`${n(s.unparsed)} not parsed`);
    if (s.lookingUp) parts.push('looking up…');
    // Restricted Mode says what it means: the client forced offline, only local rules ran.
    if (!vscode.workspace.isTrusted) parts.push('Restricted Mode: local checks only');
    else if (s.offline) parts.push('offline');
    else if (s.lookupsIncomplete) parts.push('lookups incomplete');
    const icon = s.error ? '$(error)' : s.warning ? '$(warning)' : '$(shield)';
    this.item.text = `${icon} depwarden: ${parts.join(', ')}`;
    const tooltip = `depwarden checked ${plural(s.manifests, 'package.json')} and ${plural(s.lockfiles, 'lockfile')} (${plural(s.packages, 'package')}).\n${s.error} errors, ${s.warning} warnings, ${s.info} info, ${s.hint} hints.${s.unparsed ? `\n${s.unparsed} files could not be fully parsed.` : ''}`;
    if (!vscode.workspace.isTrusted) {
      // The item's click manages trust here: what the user needs to get the remote checks.
      this.item.tooltip = new vscode.MarkdownString(
        `${escapeMarkdown(tooltip).replace(/\n/g, '  \n')}\n\n**Restricted Mode: local checks only.** The registry, advisory and malware-feed checks did not run. [Manage Workspace Trust](command:${MANAGE_TRUST}) · [Show Report](command:depwarden.showReport)`,
      );
      this.item.tooltip.isTrusted = { enabledCommands: [MANAGE_TRUST, 'depwarden.showReport'] };
      this.item.command = MANAGE_TRUST;
    } else {
      this.item.tooltip = tooltip;
      this.item.command = 'depwarden.showReport';
    }
    this.item.backgroundColor = s.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** The tooltip's own text (counts, file names never) as Markdown text. */
function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&');
}
