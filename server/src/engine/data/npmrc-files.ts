/**
 * The .npmrc files outside the project that npm also reads (global, then user), so that
 * registries and credentials configured once per machine apply to the scan too.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export async function readOuterNpmrc(env: Record<string, string | undefined> = process.env): Promise<string[]> {
  const prefix = env.NPM_CONFIG_PREFIX ?? env.npm_config_prefix ?? path.dirname(path.dirname(process.execPath));
  const globalFile = env.NPM_CONFIG_GLOBALCONFIG ?? env.npm_config_globalconfig ?? path.join(prefix, 'etc', 'npmrc');
  const userFile = env.NPM_CONFIG_USERCONFIG ?? env.npm_config_userconfig ?? path.join(env.HOME ?? os.homedir(), '.npmrc');
  const texts: string[] = [];
  for (const file of [globalFile, userFile]) {
    try {
      texts.push(await fs.readFile(file, 'utf8'));
    } catch {
      /* absent: nothing configured there */
    }
  }
  return texts;
}
