import type { Rule } from './context';
import { unparsedFile } from './unparsed-file';
import { unpinnedRange } from './unpinned-range';
import { nonRegistrySource } from './non-registry-source';
import { insecureUrl } from './insecure-url';

/** Every rule, in the order their findings are reported. Add new rules here. */
export const RULES: Rule[] = [unparsedFile, insecureUrl, nonRegistrySource, unpinnedRange];
