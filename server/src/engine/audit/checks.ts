/**
 * Static checks on a package's files: what its install scripts run, and what its code
 * does that packages rarely do (read credentials, post the environment, decode and eval,
 * talk to exfiltration services, hide itself). Synchronous and pure: the tarball is
 * already read into memory (tar.ts), nothing is run.
 *
 * Every scan is a loop of indexOf or a regular expression without nested quantifiers
 * and with bounded repetition, so a hostile file costs time linear in its size (the
 * project's rule: no regex that can backtrack on untrusted input). A signal is emitted
 * once per id and file, with the first match as evidence; a file counts as install-time
 * when a lifecycle script runs it, or an install-time file requires it.
 */
import type { TarContents, TarEntry } from './tar';
import { AUDIT_EVIDENCE_MAX, type AuditSeverity, type AuditSignal, type AuditSignalId } from './model';

/** Lifecycle scripts npm runs when it installs a package from the registry (prepare does not run there). */
export const AUDIT_INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

export interface PackageAnalysis {
  signals: AuditSignal[];
  installScripts: Record<string, string>;
  /** Package paths of the files that run at install time (what the scripts run, one level of requires). */
  installTimeFiles: string[];
  /** Package paths of every file with native-binary magic (for the next version's comparison). */
  binaries: string[];
  scannedBytes: number;
}

export interface AnalyzeOptions {
  /** Binaries of the previous version, when known: a binary not among them is `new-native-binary`. */
  previousBinaries?: readonly string[];
  /** Files (package paths) of the previous version, when known. */
  previousFiles?: readonly string[];
  /** The previous version's install scripts, when its tarball was read. */
  previousInstallScripts?: Readonly<Record<string, string>>;
}

/** Past this many signals the rest are dropped (a hostile package could produce thousands). */
const MAX_SIGNALS = 200;

/** Text files we read as code; install-time files are read whatever their name. */
const CODE_EXTENSIONS = ['.js', '.cjs', '.mjs', '.jsx', '.ts', '.cts', '.mts', '.sh', '.bash', '.py', '.ps1', '.bat', '.cmd'];

/** Services that exist to receive data from anywhere: collaborators, request bins, tunnels, paste sites, chat webhooks. */
const EXFIL_HOSTS = [
  'webhook.site',
  'pipedream.net',
  'pipedream.com',
  'requestbin',
  'requestcatcher.com',
  'beeceptor.com',
  'hookbin.com',
  'ngrok.io',
  'ngrok-free.app',
  'ngrok.app',
  'ngrok.dev',
  'trycloudflare.com',
  'serveo.net',
  'localtunnel.me',
  'loca.lt',
  'interact.sh',
  'interactsh',
  'oast.fun',
  'oast.pro',
  'oast.live',
  'oast.site',
  'oast.online',
  'oast.me',
  'oastify.com',
  'burpcollaborator.net',
  'canarytokens.com',
  'dnslog.cn',
  'ceye.io',
  'discord.com/api/webhooks',
  'discordapp.com/api/webhooks',
  'api.telegram.org/bot',
  'pastebin.com',
  'paste.ee',
  'hastebin.com',
  'ghostbin',
  'transfer.sh',
  'file.io',
  'anonfiles',
];

/** Places credentials live; reading them at install time is what token stealers do. */
const CREDENTIAL_MARKERS = [
  '.npmrc',
  '.ssh/',
  'id_rsa',
  'id_ed25519',
  '.aws/credentials',
  'AWS_SECRET_ACCESS_KEY',
  'GOOGLE_APPLICATION_CREDENTIALS',
  '.config/gcloud',
  'AZURE_CLIENT_SECRET',
  '.azure/',
  '.kube/config',
  '.docker/config.json',
  '.git-credentials',
  '169.254.169.254',
  'metadata.google.internal',
  'wallet.dat',
  'Local Storage/leveldb',
];

const NETWORK_MARKERS = [
  "require('http')",
  'require("http")',
  "require('https')",
  'require("https")',
  "require('node:http')",
  'require("node:http")',
  "require('node:https')",
  'require("node:https")',
  "from 'http'",
  'from "http"',
  "from 'https'",
  'from "https"',
  "require('net')",
  'require("net")',
  "require('dns')",
  'require("dns")',
  'fetch(',
  'axios',
  'XMLHttpRequest',
  'https.get(',
  'https.request(',
  'http.get(',
  'http.request(',
  'dns.resolve',
  'dns.lookup',
  'net.connect(',
  'curl ',
  'wget ',
  'Invoke-WebRequest',
];

/** Ways of taking the whole environment (not one variable). */
const WHOLE_ENV_MARKERS = ['JSON.stringify(process.env', 'Object.entries(process.env', 'Object.keys(process.env', 'Object.values(process.env', 'Object.assign({}, process.env', 'stringify(process.env', 'printenv', '$(env)', '`env`'];

const DECODE_MARKERS = ["'base64'", '"base64"', "'hex'", '"hex"', 'atob('];
const EVAL_MARKERS = ['eval(', 'Function(', 'runInThisContext(', 'runInNewContext(', 'vm.Script('];

const SHELL_EXEC_MARKERS = ['execSync(', 'exec(', 'shell: true', 'shell:true', 'spawnSync("sh"', "spawnSync('sh'", 'spawn("sh"', "spawn('sh'", "'/bin/sh'", '"/bin/sh"'];

const OUTSIDE_MARKERS = ['os.homedir()', 'homedir()', 'process.env.HOME', 'process.env.USERPROFILE', "'~/", '"~/', '/etc/', '.bashrc', '.zshrc', '.bash_profile', '.profile', 'crontab', 'LaunchAgents', 'AppData'];
const WRITE_MARKERS = ['writeFile', 'appendFile', 'createWriteStream', 'copyFile', 'cpSync', 'renameSync', ' > ', ' >> ', 'tee '];

const TOKEN_HUNT_MARKERS = ['GITHUB_TOKEN', 'NPM_TOKEN', 'ghp_', 'gho_', 'npm_[', '/-/whoami', 'npm whoami', 'NODE_AUTH_TOKEN', 'api.github.com/user'];

export function analyzePackage(contents: TarContents, options: AnalyzeOptions = {}): PackageAnalysis {
  const out = new SignalSink();
  const files = new Map<string, TarEntry>();
  for (const e of contents.entries) if (e.type === 'file') files.set(e.path, e);

  for (const u of contents.unsafe) {
    out.add('unsafe-entry', 'high', `the archive holds an entry that would land ${u.why === 'link out of the package' ? 'outside the package through a link' : `outside the package (${u.why})`}; npm refuses it, an older client or a hand-rolled extractor may not`, { file: u.rawPath, line: 0, text: u.rawPath }, true);
  }

  // --- package.json and its install scripts
  const installScripts = readInstallScripts(files.get('package.json'));
  const own: OwnOrigin = { repo: readGithubRepo(files.get('package.json')) };
  const installTime = new Set<string>();
  for (const [hook, command] of Object.entries(installScripts)) {
    const where = `package.json#scripts.${hook}`;
    checkScriptCommand(command, where, own, out);
    for (const f of filesRunBy(command)) if (files.has(f)) installTime.add(f);
  }
  // One level of relative requires from the files the scripts run (a loader usually sits right there).
  for (const f of [...installTime]) {
    const text = textOf(files.get(f)!);
    if (text === undefined) continue;
    for (const dep of relativeRequires(text, f)) {
      for (const candidate of [dep, `${dep}.js`, `${dep}.cjs`, `${dep}/index.js`]) {
        if (files.has(candidate)) {
          installTime.add(candidate);
          break;
        }
      }
    }
  }

  // --- every code file, install-time ones first
  let scannedBytes = 0;
  const binaries: string[] = [];
  // Binaries the previous version also shipped (or all, when it is unknown): one summary signal, not one per prebuild.
  const shipped: { entry: TarEntry; kind: BinaryKind }[] = [];
  const ordered = [...files.values()].sort((a, b) => Number(installTime.has(b.path)) - Number(installTime.has(a.path)));
  for (const entry of ordered) {
    const data = entry.data;
    if (!data) continue;
    const magic = binaryKind(data);
    if (magic) {
      binaries.push(entry.path);
      if (!checkNewBinary(entry, magic, options, installTime.has(entry.path), out)) shipped.push({ entry, kind: magic });
      continue;
    }
    const isInstall = installTime.has(entry.path);
    if (!isInstall && !isCodePath(entry.path)) continue;
    const text = textOf(entry);
    if (text === undefined) continue;
    scannedBytes += data.byteLength;
    checkCode(entry.path, text, isInstall, own, out);
  }
  if (shipped.length) {
    const first = shipped[0];
    const kinds = [...new Set(shipped.map((b) => b.kind))].join(', ');
    const text = shipped.length === 1 ? `${first.kind} executable, ${first.entry.size} bytes` : `${shipped.length} native binaries (${kinds}), the first shown`;
    out.add('native-binary', 'low', `ships ${shipped.length === 1 ? `a ${first.kind} binary` : `${shipped.length} native binaries`}`, { file: first.entry.path, line: 0, text }, false);
  }
  // A release that starts running code at install time where the one before ran none:
  // the shape of a hijacked version (ua-parser-js, the Nx and Shai-Hulud releases).
  if (options.previousInstallScripts && Object.keys(options.previousInstallScripts).length === 0) {
    for (const [hook, command] of Object.entries(installScripts)) {
      out.add('new-install-script', 'medium', `adds a ${hook} script that the previous version did not have`, { file: `package.json#scripts.${hook}`, line: 0, text: command }, true);
    }
  }
  return { signals: out.signals, installScripts, installTimeFiles: [...installTime], binaries, scannedBytes };
}

// ---------------------------------------------------------------- scripts

export function readInstallScripts(entry: TarEntry | undefined): Record<string, string> {
  const scripts: Record<string, string> = Object.create(null);
  const text = entry ? textOf(entry) : undefined;
  if (text === undefined) return scripts;
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return scripts;
  }
  const s = (manifest as { scripts?: unknown })?.scripts;
  if (!s || typeof s !== 'object') return scripts;
  for (const hook of AUDIT_INSTALL_SCRIPTS) {
    const v = Object.prototype.hasOwnProperty.call(s, hook) ? (s as Record<string, unknown>)[hook] : undefined;
    if (typeof v === 'string') scripts[hook] = v;
  }
  return scripts;
}

/**
 * The package's GitHub repository (`owner/repo`, lower case) from package.json's
 * `repository`, in any of the forms npm accepts; undefined for other hosts or none.
 */
export function readGithubRepo(entry: TarEntry | undefined): string | undefined {
  const text = entry ? textOf(entry) : undefined;
  if (text === undefined) return undefined;
  let repository: unknown;
  try {
    repository = (JSON.parse(text) as { repository?: unknown })?.repository;
  } catch {
    return undefined;
  }
  const url = typeof repository === 'string' ? repository : typeof (repository as { url?: unknown })?.url === 'string' ? (repository as { url: string }).url : undefined;
  if (!url || url.length > 500) return undefined;
  // Bounded character classes, no nesting: linear on any input.
  const m = /^(?:github:)?([\w.-]{1,100})\/([\w.-]{1,100})$/.exec(url) ?? /github\.com[:/]([\w.-]{1,100})\/([\w.-]{1,100})/i.exec(url);
  if (!m) return undefined;
  return `${m[1]}/${m[2].replace(/\.git$/i, '')}`.toLowerCase();
}

/** Where a package may fetch its own files from at install time. */
interface OwnOrigin {
  /** `owner/repo` on GitHub, lower case. */
  repo?: string;
}

/** Registries that serve npm packages' tarballs (esbuild and @swc/core fetch their platform package from there). */
const REGISTRY_HOSTS = new Set(['registry.npmjs.org', 'registry.yarnpkg.com', 'registry.npmmirror.com']);

/**
 * Where the URLs written in code or a command point, comments left out: `own` when every
 * one is an npm registry or the package's own GitHub repository (its releases), with the
 * words for the message; `other` when any points elsewhere; `none` when it names none (a
 * URL built from variables: nothing can be said).
 */
function urlOrigin(text: string, own: OwnOrigin): { kind: 'own'; where: string } | { kind: 'other' | 'none' } {
  const re = /https?:\/\/([A-Za-z0-9.-]{1,253})(\/[^\s'"`<>()]{0,300})?/g;
  const where = new Set<string>();
  let m: RegExpExecArray | null;
  let count = 0;
  while ((m = re.exec(text)) && count++ < 200) {
    if (inComment(text, m.index)) continue;
    const host = m[1].toLowerCase();
    const path = (m[2] ?? '').toLowerCase();
    if (REGISTRY_HOSTS.has(host)) where.add('the npm registry');
    else if (own.repo && (host === 'github.com' || host === 'www.github.com') && (path === `/${own.repo}` || path.startsWith(`/${own.repo}/`))) where.add(path.startsWith(`/${own.repo}/releases/download/`) ? "the package's own GitHub releases" : "the package's own GitHub repository");
    else return { kind: 'other' };
  }
  return where.size ? { kind: 'own', where: [...where].join(' and ') } : { kind: 'none' };
}

/** Shell programs that download: a shell command string that names one fetches something. */
const SHELL_DOWNLOADERS = ['curl ', 'wget ', 'Invoke-WebRequest', 'invoke-webrequest', 'powershell', 'certutil', 'bitsadmin'];

/** The lifecycle command line itself: downloads piped to a shell, inline node code that fetches and runs. */
function checkScriptCommand(command: string, where: string, own: OwnOrigin, out: SignalSink): void {
  const lower = command.toLowerCase();
  const fetcher = firstOf(lower, ['curl ', 'wget ', 'invoke-webrequest', 'iwr ', 'irm ']);
  if (fetcher) {
    const rest = lower.slice(fetcher.index);
    const run = firstOf(rest, ['| sh', '|sh', '| bash', '|bash', '| node', '|node', '| python', '|iex', '| iex', '&& sh ', '&& bash ', '; sh ', '; bash ']);
    const chmod = firstOf(rest, ['&& chmod', '; chmod']);
    const origin = urlOrigin(command, own);
    // A prebuilt binary fetched from the package's own GitHub release (or the registry) and
    // made executable is how native packages ship; piping a download into a shell is not.
    if (!run && origin.kind === 'own') out.add('binary-download', 'low', `an install script downloads a prebuilt file from ${origin.where}${chmod ? ' and marks it executable' : ''}`, evidenceIn(command, fetcher.index, where), true);
    else if (run || chmod) out.add('install-fetch-exec', 'high', 'an install script downloads something and runs it', evidenceIn(command, fetcher.index, where), true);
    else out.add('binary-download', 'medium', 'an install script downloads a file', evidenceIn(command, fetcher.index, where), true);
  }
  const inline = firstOf(command, ['node -e', 'node --eval', 'node -p', 'node --print', 'node -r']);
  if (inline) {
    const code = command.slice(inline.index);
    const net = firstOf(code, NETWORK_MARKERS);
    const run = firstOf(code, [...EVAL_MARKERS, 'child_process', 'execSync', 'spawn(']);
    if (net && run) out.add('install-fetch-exec', 'high', 'an install script runs inline code that fetches and executes', evidenceIn(command, net.index + inline.index, where), true);
  }
  // The command line is checked like code too: endpoints, credentials and env dumps in one line.
  checkCode(where, command, true, own, out);
}

/**
 * Package files a lifecycle command runs: `node x.js`, `sh ./x.sh`, `./x`, and the relative
 * requires of `node -e` code (core-js: `node -e "try{require('./postinstall')}catch(e){}"`).
 */
export function filesRunBy(command: string): string[] {
  const found = new Set<string>();
  const tokens = command.split(/[\s;&|()]+/).filter(Boolean);
  const runners = new Set(['node', 'nodejs', 'sh', 'bash', 'zsh', 'python', 'python3', 'bun', 'deno', 'tsx', 'ts-node']);
  for (let i = 0; i < tokens.length; i++) {
    const t = unquote(tokens[i]);
    if (runners.has(t)) {
      // The first non-option argument is the file.
      for (let j = i + 1; j < tokens.length; j++) {
        const arg = unquote(tokens[j]);
        if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') break;
        if (arg.startsWith('-')) continue;
        if (arg === 'run') continue;
        found.add(normalise(arg));
        break;
      }
    } else if (t.startsWith('./') && !t.includes('*')) {
      found.add(normalise(t));
    }
  }
  for (const r of relativeRequires(command, '')) found.add(r);
  const out: string[] = [];
  for (const f of found) {
    out.push(f);
    if (!/\.[a-z]+$/i.test(f)) out.push(`${f}.js`, `${f}/index.js`);
  }
  return out;
}

function unquote(s: string): string {
  return s.replace(/^["']+/, '').replace(/["']+$/, '');
}

function normalise(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/** `require('./x')` / `require("../y")` / `import './z'` targets, resolved against the requiring file's folder. */
function relativeRequires(text: string, fromFile: string): string[] {
  const dir = fromFile.includes('/') ? fromFile.slice(0, fromFile.lastIndexOf('/') + 1) : '';
  const out: string[] = [];
  // Bounded: quote, a dot, at most 200 path characters, the same quote.
  const re = /(?:require\(\s{0,4}|import\s{0,4}|from\s{0,4})(["'])(\.{1,2}\/[^"'\n]{0,200})\1/g;
  let m: RegExpExecArray | null;
  let count = 0;
  while ((m = re.exec(text)) && count++ < 100) out.push(normalise(dir + m[2]));
  return out;
}

// ---------------------------------------------------------------- code

function checkCode(file: string, text: string, installTime: boolean, own: OwnOrigin, out: SignalSink): void {
  const sev = (install: AuditSeverity, other: AuditSeverity) => (installTime ? install : other);

  const endpoint = firstOf(text, EXFIL_HOSTS);
  // A link in a comment of library code (core-js cites a pastebin in one) is only worth a note.
  if (endpoint) out.add('exfil-endpoint', installTime ? 'high' : inComment(text, endpoint.index) ? 'low' : 'medium', `names ${endpoint.match}, a service for receiving data from anywhere (request bins, tunnels, paste sites, chat webhooks)`, evidenceAt(file, text, endpoint.index), installTime);

  const ip = findRawIpUrl(text);
  if (ip !== undefined) out.add('raw-ip-url', sev('medium', 'low'), 'a URL to a bare public IP address', evidenceAt(file, text, ip), installTime);

  const net = firstOf(text, NETWORK_MARKERS);
  // Build tools read ~/.npmrc for their settings (node-sass does, at install): high only
  // when the same install-time code also talks to the network.
  const cred = firstOf(text, CREDENTIAL_MARKERS);
  if (cred) out.add('credential-read', installTime ? (net ? 'high' : 'medium') : 'low', `refers to ${cred.match}, where credentials live${installTime && net ? ', in install-time code that uses the network' : ''}`, evidenceAt(file, text, cred.index), installTime);

  const wholeEnv = firstWholeEnvRead(text);
  if (net && wholeEnv) out.add('env-exfiltration', sev('high', 'medium'), 'takes the whole environment (tokens included) in code that uses the network', evidenceAt(file, text, wholeEnv.index), installTime);

  const decodeEval = findDecodeNearEval(text);
  if (decodeEval !== undefined) out.add('decode-eval', sev('high', 'medium'), 'decodes base64/hex data and evaluates it', evidenceAt(file, text, decodeEval), installTime);

  if (installTime && !file.startsWith('package.json#')) {
    const usesChildProcess = text.includes('child_process');
    const shell = usesChildProcess ? firstOf(text, SHELL_EXEC_MARKERS) : undefined;
    const chmod = firstOf(text, ['chmodSync(', 'chmod(', 'chmod +x', '0o755', '0755']);
    const origin = shell || (net && chmod) ? urlOrigin(text, own) : undefined;
    if (shell) {
      // Build steps run commands (esbuild and @swc/core `npm install` their platform
      // package, sharp asks pkg-config): only a command string next to a shell
      // downloader pointing off the package's own origin is worth a warning.
      const downloader = firstOf(text, SHELL_DOWNLOADERS);
      if (downloader && origin?.kind !== 'own') out.add('install-shell-exec', 'medium', `install-time code runs shell command strings, and names ${downloader.match.trim()}`, evidenceAt(file, text, shell.index), true);
      else out.add('install-shell-exec', 'low', 'install-time code runs shell command strings (build steps do)', evidenceAt(file, text, shell.index), true);
    }
    if (net && chmod) {
      if (origin?.kind === 'own') out.add('binary-download', 'low', `install-time code downloads a prebuilt binary from ${origin.where} and marks it executable`, evidenceAt(file, text, net.index), true);
      else out.add('binary-download', 'medium', 'install-time code downloads and marks a file executable', evidenceAt(file, text, net.index), true);
    }
  }
  const outside = firstOf(text, OUTSIDE_MARKERS);
  const write = outside ? firstOf(text, WRITE_MARKERS) : undefined;
  if (outside && write && installTime) out.add('write-outside-package', 'medium', 'install-time code writes files and names a place outside the package (home folder, shell profiles, /etc)', evidenceAt(file, text, outside.index), true);

  const workflows = text.indexOf('.github/workflows');
  if (workflows >= 0 && firstOf(text, WRITE_MARKERS)) out.add('worm-workflow-write', sev('high', 'medium'), 'writes into .github/workflows (how recent npm worms persist and spread)', evidenceAt(file, text, workflows), installTime);
  const trufflehog = text.toLowerCase().indexOf('trufflehog');
  if (trufflehog >= 0) out.add('worm-secret-scanner', sev('high', 'medium'), 'runs or fetches trufflehog, a secret scanner, as credential-stealing worms do', evidenceAt(file, text, trufflehog), installTime);
  const hunt = installTime ? firstOf(text, TOKEN_HUNT_MARKERS) : undefined;
  if (hunt && text.length > 1_000_000 && net) out.add('worm-bundle', 'high', 'an install-time bundle of over 1 MB that looks for npm/GitHub tokens and uses the network', evidenceAt(file, text, hunt.index), true);

  checkObfuscation(file, text, installTime, out);
}

function checkObfuscation(file: string, text: string, installTime: boolean, out: SignalSink): void {
  // obfuscator.io names everything _0x1a2b3c; real code almost never does.
  let count = 0;
  let first = -1;
  for (let i = text.indexOf('_0x'); i >= 0 && count < 1000; i = text.indexOf('_0x', i + 3)) {
    if (isHex(text, i + 3, 4)) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count >= 20) out.add('obfuscated-identifiers', installTime ? 'high' : 'medium', `${count >= 1000 ? 'over 1000' : count} _0x-style identifiers (obfuscator output)`, evidenceAt(file, text, first), installTime);

  // Long lines: packed blobs (a run of base64/hex) and high-entropy text.
  let lineStart = 0;
  let reportedBlob = false;
  let reportedEntropy = false;
  const hasDecode = firstOf(text, DECODE_MARKERS) !== undefined || text.includes('fromCharCode');
  while (lineStart < text.length && !(reportedBlob && reportedEntropy)) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const length = lineEnd - lineStart;
    if (length >= 1000) {
      if (!reportedBlob && hasDecode) {
        const blob = longestEncodedRun(text, lineStart, lineEnd);
        if (blob.length >= 1000) {
          reportedBlob = true;
          if (isWasmModule(text, blob.start, blob.length)) {
            // prisma, ssh2 and others ship compiled WebAssembly inline: it runs as WebAssembly,
            // with only what the JavaScript around it imports (checked on its own), not as code
            // to eval. Still said, one step lower.
            out.add('packed-blob', installTime ? 'medium' : 'low', `a ${blob.length}-character base64 WebAssembly module (a valid one: compiled as WebAssembly, not evaluated as JavaScript)`, evidenceAt(file, text, blob.start), installTime);
          } else {
            out.add('packed-blob', installTime ? 'high' : 'medium', `a ${blob.length}-character base64/hex blob in code that decodes data at run time`, evidenceAt(file, text, blob.start), installTime);
          }
        }
      }
      if (!reportedEntropy && length >= 5000 && entropy(text, lineStart, Math.min(lineEnd, lineStart + 200_000)) > 5.6) {
        reportedEntropy = true;
        out.add('high-entropy-line', installTime ? 'medium' : 'low', `a ${length}-character line of high-entropy text (packed or encrypted code)`, evidenceAt(file, text, lineStart), installTime);
      }
    }
    lineStart = lineEnd + 1;
  }
}

/** Whether `index` sits after a line comment marker on its line, or on a block-comment line (` * …`). */
function inComment(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const before = text.slice(lineStart, index);
  const trimmed = before.trimStart();
  if (trimmed.startsWith('*') || trimmed.startsWith('/*') || trimmed.startsWith('#')) return true;
  const slashes = before.indexOf('//');
  // `https://` is not a comment: the two slashes must not follow a colon.
  return slashes >= 0 && (slashes === 0 || before[slashes - 1] !== ':');
}

function isHex(text: string, at: number, n: number): boolean {
  if (at + n > text.length) return false;
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

function isBase64Char(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61 || c === 45 || c === 95;
}

/** WebAssembly's magic and version 1 (`\0asm` 01 00 00 00), base64-encoded: the first 8 characters cover the first 6 bytes. */
const WASM_BASE64_PREFIX = 'AGFzbQEA';
/** Blobs decoded to be validated at most this long (base64 characters): larger ones stay plain packed blobs. */
const WASM_MAX_BASE64 = 40 * 1024 * 1024;

/**
 * Whether the base64 run is a whole, valid WebAssembly module. The magic alone can be put
 * in front of anything, so the decoded bytes are validated (WebAssembly.validate parses,
 * never instantiates or runs). base64url and padding are accepted as Node decodes them.
 */
function isWasmModule(text: string, start: number, length: number): boolean {
  if (length > WASM_MAX_BASE64 || !text.startsWith(WASM_BASE64_PREFIX, start)) return false;
  try {
    const wasm = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    return wasm !== undefined && wasm.validate(Buffer.from(text.slice(start, start + length), 'base64'));
  } catch {
    return false;
  }
}

/** The longest run of base64 (or hex, a subset) characters between start and end. */
function longestEncodedRun(text: string, start: number, end: number): { start: number; length: number } {
  let best = { start, length: 0 };
  let runStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && isBase64Char(text.charCodeAt(i))) continue;
    if (i - runStart > best.length) best = { start: runStart, length: i - runStart };
    runStart = i + 1;
  }
  return best;
}

/** Shannon entropy in bits per character (UTF-16 units bucketed to 8 bits: enough to tell base64 from prose and code). */
function entropy(text: string, start: number, end: number): number {
  const counts = new Uint32Array(256);
  for (let i = start; i < end; i++) counts[text.charCodeAt(i) & 0xff]++;
  const n = end - start;
  let h = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** The offset of an eval-like call within 400 characters of a base64/hex decode, if any. */
function findDecodeNearEval(text: string): number | undefined {
  let checked = 0;
  for (const marker of DECODE_MARKERS) {
    for (let i = text.indexOf(marker); i >= 0 && checked < 2000; i = text.indexOf(marker, i + marker.length)) {
      checked++;
      const from = Math.max(0, i - 400);
      const window = text.slice(from, Math.min(text.length, i + 400));
      const ev = firstOf(window, EVAL_MARKERS);
      if (ev && !isFunctionWord(window, ev.index, ev.match)) return from + ev.index;
    }
  }
  return undefined;
}

/** `Function(` preceded by an identifier character is a call of `myFunction(`, not of Function. */
function isFunctionWord(window: string, index: number, match: string): boolean {
  if (index === 0) return false;
  const before = window.charCodeAt(index - 1);
  const identChar = (before >= 48 && before <= 57) || (before >= 65 && before <= 90) || (before >= 97 && before <= 122) || before === 95 || before === 36;
  return identChar && (match === 'Function(' || match === 'eval(');
}

/** The offset of `http(s)://a.b.c.d` with a public address, if any. */
function findRawIpUrl(text: string): number | undefined {
  const re = /https?:\/\/(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g;
  let m: RegExpExecArray | null;
  let count = 0;
  while ((m = re.exec(text)) && count++ < 200) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    const isPrivate = a === 127 || a === 10 || a === 0 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31) || (a === 169 && b === 254) || a >= 224;
    if (!isPrivate) return m.index;
  }
  return undefined;
}

// ---------------------------------------------------------------- binaries

type BinaryKind = 'ELF' | 'Mach-O' | 'PE (Windows)';

export function binaryKind(data: Uint8Array): BinaryKind | undefined {
  if (data.byteLength < 4) return undefined;
  const [a, b, c, d] = [data[0], data[1], data[2], data[3]];
  if (a === 0x7f && b === 0x45 && c === 0x4c && d === 0x46) return 'ELF';
  const be = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  if (be === 0xfeedface || be === 0xfeedfacf || be === 0xcefaedfe || be === 0xcffaedfe) return 'Mach-O';
  // 0xcafebabe is also a Java class file; a fat Mach-O has a small architecture count next.
  if (be === 0xcafebabe && data.byteLength >= 8 && data[4] === 0 && data[5] === 0 && data[6] === 0 && data[7] > 0 && data[7] < 20) return 'Mach-O';
  if (a === 0x4d && b === 0x5a && data.byteLength >= 64) {
    const peOffset = data[60] | (data[61] << 8) | (data[62] << 16);
    if (peOffset + 4 <= data.byteLength && data[peOffset] === 0x50 && data[peOffset + 1] === 0x45 && data[peOffset + 2] === 0 && data[peOffset + 3] === 0) return 'PE (Windows)';
  }
  return undefined;
}

/** Reports a binary the previous version did not ship; false when it is not new (or the previous version is unknown). */
function checkNewBinary(entry: TarEntry, kind: BinaryKind, options: AnalyzeOptions, installTime: boolean, out: SignalSink): boolean {
  const previous = options.previousBinaries ?? options.previousFiles;
  if (!previous || previous.includes(entry.path)) return false;
  out.add('new-native-binary', installTime ? 'high' : 'medium', `a ${kind} binary the previous version did not ship`, { file: entry.path, line: 0, text: `${kind} executable, ${entry.size} bytes` }, installTime);
  return true;
}

// ---------------------------------------------------------------- helpers

function isCodePath(p: string): boolean {
  const lower = p.toLowerCase();
  return CODE_EXTENSIONS.some((ext) => lower.endsWith(ext)) || lower.startsWith('bin/');
}

/** A file's text, or undefined for binary data (a NUL in the first 8 KB). */
function textOf(entry: TarEntry): string | undefined {
  const data = entry.data;
  if (!data) return undefined;
  const head = Math.min(8192, data.byteLength);
  for (let i = 0; i < head; i++) if (data[i] === 0) return undefined;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/**
 * The first read of the whole environment that is not narrowed to a prefix at once.
 * `Object.keys(process.env).filter((key) => /^debug_/i.test(key))` is how the debug
 * library (bundled into prisma and many others) reads its own settings: a read of some
 * variables by name, not of every token. Any other whole read counts.
 */
function firstWholeEnvRead(text: string): { index: number; match: string } | undefined {
  let best: { index: number; match: string } | undefined;
  for (const marker of WHOLE_ENV_MARKERS) {
    // At most 50 occurrences per marker: a file of thousands is judged by its first ones.
    for (let i = text.indexOf(marker), n = 0; i >= 0 && n < 50 && (!best || i < best.index); i = text.indexOf(marker, i + marker.length), n++) {
      if (narrowedToPrefix(text, i + marker.length)) continue;
      best = { index: i, match: marker };
      break;
    }
  }
  return best;
}

/** Whether what follows a `process.env` key read (`)` then `.filter(`) keeps only names with a prefix, within 120 characters. */
function narrowedToPrefix(text: string, after: number): boolean {
  const next = text.slice(after, after + 160).replace(/\s+/g, '');
  if (!next.startsWith(').filter(')) return false;
  const test = next.slice(0, 120);
  return /\.startsWith\(["'`][A-Za-z_]/.test(test) || /\/\^[A-Za-z_]/.test(test) || /\.indexOf\(["'`][A-Za-z_][^"'`]*["'`]\)===0/.test(test);
}

function firstOf(text: string, needles: readonly string[]): { index: number; match: string } | undefined {
  let best: { index: number; match: string } | undefined;
  for (const n of needles) {
    const i = text.indexOf(n);
    if (i >= 0 && (!best || i < best.index)) best = { index: i, match: n };
  }
  return best;
}

/** The line holding `index`: its 1-based number and up to AUDIT_EVIDENCE_MAX characters around the match. */
function evidenceAt(file: string, text: string, index: number) {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  let lineEnd = text.indexOf('\n', index);
  if (lineEnd < 0) lineEnd = text.length;
  const from = Math.max(lineStart, index - 40);
  const to = Math.min(lineEnd, from + AUDIT_EVIDENCE_MAX);
  const cut = text.slice(from, to).trim();
  return { file, line, text: (from > lineStart ? '…' : '') + cut + (to < lineEnd ? '…' : '') };
}

function evidenceIn(command: string, index: number, where: string) {
  return { ...evidenceAt(where, command, index), line: 0 };
}

class SignalSink {
  readonly signals: AuditSignal[] = [];
  private seen = new Set<string>();

  add(id: AuditSignalId, severity: AuditSeverity, message: string, evidence: { file: string; line: number; text: string }, installTime: boolean): void {
    const key = `${id}\0${evidence.file}`;
    if (this.seen.has(key) || this.signals.length >= MAX_SIGNALS) return;
    this.seen.add(key);
    this.signals.push({ id, severity, message, evidence, installTime });
  }
}
