// Lockfile rules ask this for thousands of resolved URLs per scan; new URL() is the
// slow part there. Plain lower-case http(s) hosts take this path; anything else
// (user info, IDN, IPv6, upper case) goes through URL, which normalises it.
const PLAIN_HTTP_HOST = /^(https?):\/\/([a-z0-9.-]+)(:\d+)?(?=[/?#]|$)/;

/**
 * The host (with a non-default port) of an http(s) URL, lower-cased; undefined for any
 * other URL (git+ssh:, file:, an unexpanded "${REGISTRY}"): registries and tarballs are
 * only ever compared by the hosts of http(s) URLs.
 *
 * A module of its own, importing nothing: the HTTP client (credentials per host) and the
 * registry client (which sends through the HTTP client) both need it.
 */
export function hostOf(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  const m = PLAIN_HTTP_HOST.exec(url);
  if (m) {
    const port = m[3];
    const isDefault = port === undefined || (m[1] === 'https' ? port === ':443' : port === ':80');
    return isDefault ? m[2] : m[2] + port;
  }
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
