/**
 * Indicators of compromise as incident write-ups publish them: `name@version` per line,
 * possibly several per line separated by commas or spaces, `#` comments, a bare name
 * meaning every version, and further bare versions after an entry meaning more versions
 * of the same name (`chalk@5.6.1, 5.6.2`).
 */
import semver from 'semver';
import type { IocList } from './remote-data';

export interface IocParseResult {
  iocs: IocList;
  /** Tokens that are neither a package name nor a version (1-based line numbers). */
  rejected: { line: number; text: string }[];
  /** With `bareNames: false`: the names that came without a version, not taken as indicators. */
  bareNames: string[];
}

export interface IocParseOptions {
  /**
   * Whether a bare name means every version of it (default, as lists written for `--ioc`
   * and feeds use it). The editor's paste box says false: text pasted from an advisory
   * is prose as much as a list, and every word of it is a valid package name.
   */
  bareNames?: boolean;
}

const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-][a-z0-9._~-]*$/i;

export function parseIocList(text: string, options: IocParseOptions = {}): IocParseResult {
  const iocs: IocList = new Map();
  const rejected: IocParseResult['rejected'] = [];
  const bareNames: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(/(^|\s)(#|\/\/).*$/, '').trim();
    let lastName: string | undefined;
    for (const rawToken of line.split(/[\s,;]+/)) {
      const token = rawToken.replace(/^["'`]+|["'`]+$/g, '');
      if (!token) continue;
      const at = token.indexOf('@', 1);
      if (at > 0) {
        const name = token.slice(0, at);
        const version = token.slice(at + 1).replace(/^v(?=\d)/, '');
        if (!NAME.test(name) || !version) {
          rejected.push({ line: index + 1, text: token });
          continue;
        }
        add(iocs, name, version === 'latest' || version === '*' ? '*' : version);
        lastName = name;
      } else if (lastName && semver.valid(token.replace(/^v(?=\d)/, ''))) {
        add(iocs, lastName, token.replace(/^v(?=\d)/, ''));
      } else if (NAME.test(token) && !semver.valid(token)) {
        if (options.bareNames === false) bareNames.push(token);
        else add(iocs, token, '*');
        lastName = undefined;
      } else {
        rejected.push({ line: index + 1, text: token });
      }
    }
  });
  return { iocs, rejected, bareNames };
}

function add(iocs: IocList, name: string, version: string): void {
  let versions = iocs.get(name);
  if (!versions) iocs.set(name, (versions = new Set()));
  versions.add(version);
}

export function matchesIoc(iocs: IocList, name: string, version: string | undefined): boolean {
  const versions = iocs.get(name);
  if (!versions) return false;
  return versions.has('*') || (version !== undefined && versions.has(version));
}

/** Merges several lists (the --ioc file and the editor command's paste, say). */
export function mergeIocLists(...lists: IocList[]): IocList {
  const out: IocList = new Map();
  for (const list of lists) for (const [name, versions] of list) for (const v of versions) add(out, name, v);
  return out;
}
