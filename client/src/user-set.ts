import * as vscode from 'vscode';

/**
 * depwarden settings that `.depwarden.json` may also set, by their setting name, and the
 * name of the policy key the server knows them by.
 */
const POLICY_SETTINGS: Record<string, string> = {
  rules: 'rules',
  cooldownDays: 'cooldownDays',
  newPackageDays: 'newPackageDays',
  allowedHosts: 'allowedHosts',
  'typosquat.allow': 'typosquatAllow',
  malwareFeeds: 'malwareFeeds',
};

/**
 * Adds `userSet`: the policy keys the user set in any scope (user, workspace, folder).
 * VS Code hands the server values merged with package.json's defaults, so without this a
 * user who sets `cooldownDays` to its default could not override a project's other value.
 */
export function withUserSetKeys(value: unknown, scopeUri?: string): unknown {
  if (!value || typeof value !== 'object') return value;
  const config = vscode.workspace.getConfiguration('depwarden', scopeUri ? vscode.Uri.parse(scopeUri) : undefined);
  const userSet: string[] = [];
  for (const [setting, key] of Object.entries(POLICY_SETTINGS)) {
    const i = config.inspect(setting);
    if (i && (i.globalValue !== undefined || i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined)) userSet.push(key);
  }
  return { ...(value as object), userSet };
}
