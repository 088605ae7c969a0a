/**
 * A tiny tar writer for tests: builds npm-style tarballs (`package/` prefix, ustar headers,
 * gzip) from source strings at runtime, so no binary fixture is committed. It can also
 * write what a real packer never would (traversal paths, lying sizes), for hostile tests.
 */
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

export interface TarFile {
  path: string;
  /** Text or bytes. */
  content?: string | Uint8Array;
  /** '0' file (default), '5' directory, '2' symlink, 'x' pax header. */
  type?: string;
  linkTarget?: string;
  mode?: number;
  /** Write this size in the header instead of the content's (for lying headers). */
  declaredSize?: number;
  /** Keep the path as given (no `package/` prefix). */
  raw?: boolean;
}

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, '0') + '\0';
}

export function tarHeader(f: TarFile, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(f.path.slice(0, 100), 0, 'utf8');
  h.write(octal(f.mode ?? 0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  if (size > 0o77777777777) {
    // GNU base-256 for sizes past 8 GiB - 1.
    h[124] = 0x80;
    let n = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(n & 0xffn);
      n >>= 8n;
    }
  } else h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write('        ', 148);
  h.write(f.type ?? '0', 156);
  if (f.linkTarget) h.write(f.linkTarget, 157);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** An uncompressed tar of the files, ended by two zero blocks. */
export function buildTar(files: TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const body = f.content === undefined ? Buffer.alloc(0) : typeof f.content === 'string' ? Buffer.from(f.content) : Buffer.from(f.content);
    parts.push(tarHeader(f, f.declaredSize ?? body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A gzipped npm-style tarball: every path under `package/`, plus package.json from `manifest`. */
export function buildPackageTarball(manifest: Record<string, unknown>, files: TarFile[] = []): Buffer {
  const all: TarFile[] = [{ path: 'package/package.json', content: JSON.stringify(manifest, null, 2) }, ...files.map((f) => ({ ...f, path: f.raw ? f.path : `package/${f.path}` }))];
  return gzipSync(buildTar(all));
}

export function sriOf(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}
