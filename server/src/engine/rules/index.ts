import type { Rule } from './context';
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
