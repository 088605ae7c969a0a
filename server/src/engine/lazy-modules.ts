/**
 * Libraries only some files need, loaded on first use: the yaml library (a fallback for
 * pnpm lockfiles our fast reader refuses, pnpm-workspace.yaml, .yarnrc.yml) and
 * @yarnpkg/parsers (a fallback for yarn berry lockfiles), ~560 KB together with js-yaml.
 * A scan of an npm project never loads them, and the bundles (esbuild.mjs) keep them in
 * files of their own, so that the CLI does not even compile them.
 */
import type * as Yaml from 'yaml';
import type * as YarnParsers from '@yarnpkg/parsers';

let yaml: typeof Yaml | undefined;
let yarnParsers: typeof YarnParsers | undefined;

export function yamlLibrary(): typeof Yaml {
  yaml ??= require('yaml') as typeof Yaml;
  return yaml;
}

export function yarnParsersLibrary(): typeof YarnParsers {
  yarnParsers ??= require('@yarnpkg/parsers') as typeof YarnParsers;
  return yarnParsers;
}
