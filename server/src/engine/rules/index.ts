import type { Rule } from './context';
import { missingLockfile } from './missing-lockfile';
import { duplicateVersions } from './duplicate-versions';
import { unparsedFile } from './unparsed-file';
import { unpinnedRange } from './unpinned-range';
import { nonRegistrySource } from './non-registry-source';
import { insecureUrl } from './insecure-url';
import { lockfileHost } from './lockfile-host';
import { lockfileIntegrity } from './lockfile-integrity';
import { lockfileNameMismatch } from './lockfile-name-mismatch';
import { lockfileDrift } from './lockfile-drift';
import { installScript } from './install-script';

/** Every rule, in the order their findings are reported. Add new rules here. */
export const RULES: Rule[] = [unparsedFile, insecureUrl, nonRegistrySource, unpinnedRange];
RULES.push(lockfileHost, lockfileIntegrity, lockfileNameMismatch, lockfileDrift, installScript);
import { securityHolder } from './security-holder';
import { removedFromRegistry } from './removed-from-registry';
import { knownMalware } from './known-malware';
import { knownVulnerability } from './known-vulnerability';
import { releaseCooldown } from './release-cooldown';
import { newPackage } from './new-package';
import { trustChange } from './trust-change';
import { deprecated } from './deprecated';
import { versionAnomaly } from './version-anomaly';
import { dependencyConfusion } from './dependency-confusion';
import { noRepository } from './no-repository';
import { installScriptRegistry } from './install-script-registry';
import { lookupIncomplete } from './lookup-incomplete';
// Rules that read registry/advisory data (issue #4); dependency-confusion also runs without it.
RULES.push(knownMalware, securityHolder, removedFromRegistry, knownVulnerability, releaseCooldown, newPackage, trustChange);
RULES.push(versionAnomaly, dependencyConfusion, deprecated, noRepository, installScriptRegistry, lookupIncomplete);
RULES.push(missingLockfile, duplicateVersions);
import { typosquat } from './typosquat';
RULES.push(typosquat);
import { unusedDependency } from './unused-dependency';
RULES.push(unusedDependency);
