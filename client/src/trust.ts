import * as vscode from 'vscode';

/**
 * Settings for an untrusted workspace: offline (no package names leave the machine), and
 * the registry, advisory and malware feed URLs only from user settings, never from the workspace.
 */
export function restrictSettings(value: unknown): unknown {
  const v = (value && typeof value === 'object' ? { ...(value as Record<string, unknown>) } : {}) as Record<string, unknown>;
  const config = vscode.workspace.getConfiguration('depwarden');
  v.offline = true;
  // Tells the server why it is offline: its hovers and report then say "Restricted Mode", not "offline".
  v.restricted = true;
  v.registry = config.inspect<string>('registry')?.globalValue ?? '';
  v.advisories = config.inspect('advisories')?.globalValue ?? {};
  v.malwareFeeds = config.inspect<string[]>('malwareFeeds')?.globalValue ?? [];
  v.publicRegistries = config.inspect<string[]>('publicRegistries')?.globalValue ?? [];
  return v;
}
