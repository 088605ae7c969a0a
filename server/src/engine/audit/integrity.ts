/**
 * Subresource-integrity checks for tarballs, before a single byte of them is read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type IntegrityCheck = { ok: true; algorithm: string } | { ok: false; reason: string };

/** The strongest hash we can check: sha512 from an SRI string, else sha1 (`shasum` or `sha1-`). */
export interface ExpectedIntegrity {
  /** An SRI string (`sha512-… sha1-…`), the lockfile's or the packument's `dist.integrity`. */
  integrity?: string;
  /** The packument's `dist.shasum` (hex sha1), used only when nothing stronger is known. */
  shasum?: string;
}

const RANK: Record<string, number> = { sha512: 3, sha384: 2, sha256: 1, sha1: 0 };

export function verifyIntegrity(bytes: Uint8Array, expected: ExpectedIntegrity): IntegrityCheck {
  let best: { algorithm: string; digest: Buffer } | undefined;
  for (const token of (expected.integrity ?? '').split(/\s+/)) {
    const dash = token.indexOf('-');
    if (dash <= 0) continue;
    const algorithm = token.slice(0, dash).toLowerCase();
    if (!(algorithm in RANK)) continue;
    // SRI options (`?foo`) follow the digest; they are not part of it.
    const b64 = token.slice(dash + 1).split('?')[0];
    const digest = Buffer.from(b64, 'base64');
    if (digest.length === 0) continue;
    if (!best || RANK[algorithm] > RANK[best.algorithm]) best = { algorithm, digest };
  }
  if (!best && expected.shasum && /^[0-9a-f]{40}$/i.test(expected.shasum)) best = { algorithm: 'sha1', digest: Buffer.from(expected.shasum, 'hex') };
  if (!best) return { ok: false, reason: 'no integrity to check the tarball against' };
  const actual = createHash(best.algorithm).update(bytes).digest();
  if (actual.length !== best.digest.length || !timingSafeEqual(actual, best.digest)) {
    return { ok: false, reason: `integrity mismatch: the tarball's ${best.algorithm} is not the one the ${expected.integrity ? 'integrity field' : 'shasum'} names` };
  }
  return { ok: true, algorithm: best.algorithm };
}

/** The cache key for a verified tarball: its sha512 (what npm itself keys its cache by). */
export function sha512Integrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

const SRI_SEPARATOR = /[\s?]/;

/** The sha512 token of an SRI string (`sha512-…`), options cut; undefined when it names none (an old lockfile's sha1). */
export function sriSha512(integrity: string | undefined): string | undefined {
  // A lockfile's usual value, one sha512 and nothing else, needs no splitting (asked for
  // every entry of every scan).
  if (integrity?.startsWith('sha512-') && !SRI_SEPARATOR.test(integrity)) return integrity;
  for (const token of (integrity ?? '').split(/\s+/)) if (token.startsWith('sha512-')) return token.split('?')[0];
  return undefined;
}
