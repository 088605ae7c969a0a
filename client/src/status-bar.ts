import * as vscode from 'vscode';

import type { StatusParams } from '../../server/src/lsp/protocol';

/** "depwarden: 3 lockfiles, 2,104 packages, 2 errors, 5 warnings"; click for the report. */
export class StatusBar implements vscode.Disposable {
  private item = vscode.window.createStatusBarItem('depwarden.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'depwarden';
    this.item.text = '$(sync~spin) depwarden';
    this.item.tooltip = 'depwarden is scanning';
    this.item.command = 'depwarden.showReport';
    this.item.show();
  }

  update(s: StatusParams): void {
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
    if (s.offline) parts.push('offline');
    else if (s.lookupsIncomplete) parts.push('lookups incomplete');
    const icon = s.error ? '$(error)' : s.warning ? '$(warning)' : '$(shield)';
    this.item.text = `${icon} depwarden: ${parts.join(', ')}`;
    this.item.tooltip = `depwarden checked ${plural(s.manifests, 'package.json')} and ${plural(s.lockfiles, 'lockfile')} (${plural(s.packages, 'package')}).\n${s.error} errors, ${s.warning} warnings, ${s.info} info, ${s.hint} hints.${s.unparsed ? `\n${s.unparsed} files could not be fully parsed.` : ''}`;
    this.item.backgroundColor = s.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
