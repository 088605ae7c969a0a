// Lockfile rules ask this for thousands of resolved URLs per scan; new URL() is the
// slow part there. Plain lower-case http(s) hosts take plainHttpHost's path; anything
// else (user info, IDN, IPv6, upper case) goes through URL, which normalises it.

/**
 * The host (with a non-default port) of an http(s) URL, lower-cased; undefined for any
 * other URL (git+ssh:, file:, an unexpanded "${REGISTRY}"): registries and tarballs are
 * only ever compared by the hosts of http(s) URLs.
 *
 * A module of its own, importing nothing: the HTTP client (credentials per host) and the
 * registry client (which sends through the HTTP client) both need it.
 */
export function hostOf(url: string): string | undefined {
  const plain = plainHttpHost(url);
  if (plain !== undefined) return plain;
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/**
 * The host of a plain URL, `^(https?)://([a-z0-9.-]+)(:\d+)?(?=[/?#]|$)` read without a
 * regex (no match array, no captures: it is asked for every lockfile entry by several
 * rules); undefined when the URL is not of that plain shape, and hostOf then takes the
 * general way. test/unit/url-host.test.ts keeps the regex version as its oracle.
 */
function plainHttpHost(url: string): string | undefined {
  const https = url.startsWith('https://');
  if (!https && !url.startsWith('http://')) return undefined;
  const start = https ? 8 : 7;
  let i = start;
  for (; i < url.length; i++) {
    const c = url.charCodeAt(i);
    // [a-z0-9.-]
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 45)) break;
  }
  if (i === start) return undefined;
  const hostEnd = i;
  if (url.charCodeAt(i) === 58 /* : */) {
    for (i++; i < url.length; i++) {
      const c = url.charCodeAt(i);
      if (c < 48 || c > 57) break;
    }
    if (i === hostEnd + 1) return undefined;
  }
  if (i < url.length) {
    const c = url.charCodeAt(i);
    if (c !== 47 /* / */ && c !== 63 /* ? */ && c !== 35 /* # */) return undefined;
  }
  if (i === hostEnd) return url.slice(start, hostEnd);
  const port = url.slice(hostEnd, i);
  return port === (https ? ':443' : ':80') ? url.slice(start, hostEnd) : url.slice(start, i);
}
