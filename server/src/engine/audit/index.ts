/**
 * Package audit (issue #14): read what a version would run before it is installed.
 * The engine's entry points; the CLI (cli/audit.ts) and later the editor call these.
 */
export { PackageAuditor, auditTarballBytes, type AuditRequest, type AuditorOptions } from './audit-package';
export { analyzePackage, type PackageAnalysis } from './checks';
export { readTarball, DEFAULT_TAR_LIMITS, TarError, type TarLimits, type TarContents, type TarEntry } from './tar';
export { verifyIntegrity, type ExpectedIntegrity } from './integrity';
export * from './model';
