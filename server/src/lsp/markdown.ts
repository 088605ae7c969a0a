/**
 * Markdown built from text we do not control: package names, specs, versions, lockfile
 * keys, file names, everything a registry or advisory service answers. The hover card
 * (VS Code renders it with marked), the report and the lockfile review (the Markdown
 * preview, markdown-it) all take CommonMark's backslash escapes, and that is what makes
 * these helpers provable rather than best-effort: `text` escapes every character that
 * starts something in inline Markdown (links and images `[ ] ( ) !`, HTML and autolinks
 * `< >`, entities `&`, code `` ` ``, emphasis and strikethrough `* _ ~`, tables `|`, math
 * `$`, and `\` itself), the ones that start a block at a line's start (`# + - . { }`),
 * and the ones bare-URL linkifiers look for (`:` of `https://`, `.` of `www.` and
 * `evil.com`); `codeSpan` picks a fence that no run of backticks inside can close. Both
 * make the text one line (a line break could start a block of its own) and cut it to a
 * length.
 *
 * Links are only ever to URLs built here or by the caller from constants, with the
 * untrusted part encoded: npm pages of a validated name, a repository on a host we know,
 * an advisory record, a file of the workspace. Never an image.
 */

/** Names, versions, specs, publishers: longer than any real one. */
export const INLINE_MAX = 200;
/** Finding messages, evidence, deprecation notices, reasons. */
export const MESSAGE_MAX = 500;
/** Install script text. */
export const SCRIPT_MAX = 400;

/**
 * Line breaks and other controls (they could end the line a construct must stay on),
 * bidirectional overrides (they reorder what a reader sees, "Trojan Source"), and the
 * byte order mark: each becomes a space.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** See the top of the file; every one is ASCII punctuation, which CommonMark (and marked) let a backslash escape. */
const SPECIAL = /[\\`*_{}[\]()#+\-.!<>|~&:$]/g;

/** At most `max` characters, with an ellipsis when cut (and never half a surrogate pair). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** One line, cut to `max`: controls and line breaks become spaces. Cut first, so a 20 MB string costs no more than a short one. */
export function oneLine(s: string, max = INLINE_MAX): string {
  return truncate(String(s), max).replace(CONTROLS, ' ');
}

/** Untrusted text as Markdown that renders as exactly that text (one line, cut to `max`). */
export function text(s: string, max = INLINE_MAX): string {
  return oneLine(s, max).replace(SPECIAL, '\\$&');
}

/**
 * Untrusted text as inline code: the fence is one backtick longer than the longest run
 * inside (so no run inside can close it), padded with a space when the text starts or ends
 * with a backtick or a space (CommonMark strips one space from each side when both are there).
 */
export function codeSpan(s: string, max = INLINE_MAX): string {
  const body = oneLine(s, max);
  if (body === '') return '` `';
  let longest = 0;
  let run = 0;
  for (let i = 0; i < body.length; i++) {
    run = body.charCodeAt(i) === 96 /* ` */ ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * A URL as a link destination: the characters that could end it early or start something
 * else (parentheses, angle brackets, spaces, quotes, backticks, backslashes) percent-encoded.
 */
export function destination(url: string): string {
  return url.replace(/[\u0000-\u0020()<>"'`\\\u007f-\u009f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * A link to (a line of) a workspace file that VS Code's Markdown preview follows. The
 * preview renders with markdown-it, which refuses `file:` links (they showed as raw text),
 * and it opens scheme-less links itself: a path from "/" it resolves against the first
 * workspace folder (also for a `depwarden:` document, which no folder holds), and `#L12`
 * is the line. So the destination is the file's path relative to that folder, from "/"
 * ("/../other-root/x" for a file of another root folder), each segment percent-encoded.
 * A file that cannot be reached that way (another scheme or host) gets its label as text.
 */
export function workspaceFileLink(label: string, fileUri: string, baseUri: string, line?: number): string {
  const dest = workspacePath(fileUri, baseUri);
  if (dest === undefined) return text(label);
  return `[${text(label)}](${dest}${line ? `#L${line}` : ''})`;
}

function workspacePath(fileUri: string, baseUri: string): string | undefined {
  let file: URL;
  let base: URL;
  try {
    file = new URL(fileUri);
    base = new URL(baseUri);
  } catch {
    return undefined;
  }
  if (file.protocol !== base.protocol || file.host !== base.host) return undefined;
  const segments = (u: URL) => u.pathname.split('/').filter((x) => x !== '').map((x) => decodeURIComponent(x));
  const from = segments(base);
  const to = segments(file);
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  const rel = [...from.slice(common).map(() => '..'), ...to.slice(common)];
  return `/${rel.map((x) => (x === '..' ? x : encodeURIComponent(x).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))).join('/')}`;
}

/** A link with an untrusted label to a URL we built. Only https and file URLs: no `command:`, no `javascript:`, nothing relative. */
export function link(label: string, url: string): string {
  if (!/^(https:\/\/|file:\/\/)/.test(url)) throw new Error(`not a URL depwarden links to: ${url.slice(0, 40)}`);
  return `[${text(label)}](${destination(url)})`;
}

/**
 * npm's rules for a package name (old names may have capitals): `@scope/name` or `name`,
 * URL-safe characters, at most 214. Only such names get npm links.
 */
export function isPackageName(name: string | undefined): name is string {
  return !!name && name.length <= 214 && /^(?:@[A-Za-z0-9~-][A-Za-z0-9._~-]*\/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$/.test(name);
}

/** A version as npm's pages take it: semver's characters only. */
export function isVersionText(version: string | undefined): version is string {
  return !!version && version.length <= 100 && /^[0-9A-Za-z.+-]+$/.test(version);
}

/** npm's page of a package (and version), or undefined for a name npm would not have. */
export function npmPackageUrl(name: string, version?: string): string | undefined {
  if (!isPackageName(name)) return undefined;
  const page = `https://www.npmjs.com/package/${name}`;
  if (version === undefined) return page;
  return isVersionText(version) ? `${page}/v/${version}` : undefined;
}

/** Hosts whose repository pages we link to; a repository anywhere else is shown as text. */
const REPOSITORY_HOSTS = new Set(['github.com', 'gitlab.com', 'bitbucket.org']);

/**
 * The repository a package claims, as a link we are willing to offer: https on a known
 * host, no port or credentials, a path of ordinary owner/repository segments, rebuilt
 * from those parts. Undefined for anything else.
 */
export function repositoryLinkUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' || !REPOSITORY_HOSTS.has(u.hostname) || u.port || u.username || u.password) return undefined;
  const segments = u.pathname.split('/').filter((s) => s !== '');
  // GitLab has subgroups; more than a handful of levels is no real repository.
  if (segments.length < 2 || segments.length > 6) return undefined;
  if (!segments.every((s) => /^[A-Za-z0-9_.-]{1,100}$/.test(s) && !/^\.+$/.test(s))) return undefined;
  return `https://${u.hostname}/${segments.join('/')}`;
}

/** Where advisory records live, as the advisory service may link them; anything else links to the record on osv.dev by id. */
const ADVISORY_PAGES: Record<string, string> = { 'osv.dev': '/', 'github.com': '/advisories/' };

/** Where an advisory's record is read: its own URL when that is https on a known host, else osv.dev by id. */
export function advisoryUrl(id: string, url: string | undefined): string {
  if (url) {
    try {
      const u = new URL(url);
      const under = Object.hasOwn(ADVISORY_PAGES, u.hostname) ? ADVISORY_PAGES[u.hostname] : undefined;
      if (u.protocol === 'https:' && under && u.pathname.startsWith(under) && !u.port && !u.username && !u.password) return `https://${u.hostname}${u.pathname}`;
    } catch {
      /* fall back to osv.dev */
    }
  }
  return `https://osv.dev/vulnerability/${encodeURIComponent(oneLine(id, INLINE_MAX))}`;
}
