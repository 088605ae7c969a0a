import type { LockedPackage, PackageSource, Span } from '../model';

/**
 * A locked package with every field present from the start, always in the same order,
 * whatever the lockfile says of it. The rules read these fields for every entry of every
 * lockfile, several times per scan. Objects given only the fields their entry has took
 * dozens of shapes in one npm lockfile (theia's: 31), and V8 then reads each field through
 * a slow generic path: a loop over theia's entries read them about six times slower than
 * over entries of one shape. Parsers set the optional fields afterwards; they never delete one.
 */
export function newLockedPackage(id: string, name: string, version: string, source: PackageSource, span: Span): LockedPackage {
  return {
    id,
    name,
    realName: undefined,
    version,
    source,
    resolved: undefined,
    integrity: undefined,
    span,
    keySpan: undefined,
    dev: undefined,
    optional: undefined,
    peer: undefined,
    inBundle: undefined,
    hasInstallScript: undefined,
    hasBin: undefined,
    dependencies: [],
    dependencySpecs: undefined,
  };
}
