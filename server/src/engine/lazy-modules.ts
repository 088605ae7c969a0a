/**
 * Libraries only some files need, loaded on first use: the yaml library (a fallback for
 * pnpm lockfiles our fast reader refuses, pnpm-workspace.yaml, .yarnrc.yml) and
 * @yarnpkg/parsers (a fallback for yarn berry lockfiles), ~560 KB together with js-yaml.
 * A scan of an npm project never loads them, and the bundles (esbuild.mjs) keep them in
 * files of their own, so that the CLI does not even compile them.
 */
import type * as Yaml from 'yaml';
import type * as YarnParsers from '@yarnpkg/parsers';

// Node's module cache keeps each library after its first require: no state of our own.
export function yamlLibrary(): typeof Yaml {
  return require('yaml') as typeof Yaml;
}

export function yarnParsersLibrary(): typeof YarnParsers {
  return require('@yarnpkg/parsers') as typeof YarnParsers;
}
