/**
 * Real attack shapes (#12's Done-when) served by the loopback registry, for the CLI and
 * LSP tests: PhantomRaven's URL dependency in a published manifest, hacktask's crossenv
 * typosquat with its postinstall, a declared name the registry does not have, and an
 * affix imitation of a popular name that the registry shows to be young and risky, beside
 * a popular affixed name (react-dom) that must stay quiet.
 */
import type { FakeRegistry } from './fake-registry';

const DAY = 86_400_000;

/** PhantomRaven's published dependency (the write-ups quote this exact spec). */
export const PHANTOM_URL = 'http://packages.storeartifact.com/npm/unused-imports';

/** The package.json dependencies of the scenario project. */
export const SCENARIO_DEPENDENCIES: Record<string, string> = {
  'eslint-comments': '1.0.0',
  crossenv: '6.1.1',
  // A private name used without a scope: the public registry has never heard of it.
  'acme-billing-internal': '^2.0.0',
  // An affix imitation the registry shows to be young and risky, and a popular affixed
  // name (react + "-dom") that must stay quiet.
  'axios-proxy': '1.0.0',
  'react-dom': '18.3.1',
};

/** Serves every scenario package. Dates are relative to now: "young" must stay young. */
export function serveScenarios(reg: FakeRegistry, now = Date.now()): void {
  const iso = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  // PhantomRaven wave 1 reused real-sounding plugin names; the tarball is harmless, the
  // payload comes from the URL at install time.
  reg.addPackage('eslint-comments', {
    created: iso(20),
    versions: { '1.0.0': { time: iso(20), npmUser: 'jpdeveloper', dependencies: { 'ui-styles-pkg': PHANTOM_URL } } },
  });
  // hacktask, August 2017: cross-env's name without its dash, stealing the environment.
  reg.addPackage('crossenv', {
    created: '2017-07-19T00:00:00.000Z',
    versions: { '6.1.1': { time: '2017-07-19T00:00:00.000Z', npmUser: 'hacktask', scripts: { postinstall: 'node package-setup.js' } } },
  });
  reg.takedown('acme-billing-internal', '404');
  reg.addPackage('axios-proxy', {
    created: iso(4),
    versions: { '1.0.0': { time: iso(4), npmUser: 'newcomer', scripts: { postinstall: 'node setup.js' } } },
  });
  reg.addPackage('react-dom', {
    created: '2011-10-26T00:00:00.000Z',
    maintainers: ['react-bot'],
    versions: Object.fromEntries(['18.0.0', '18.1.0', '18.2.0', '18.3.0', '18.3.1'].map((v) => [v, { npmUser: 'react-bot', repository: 'facebook/react', time: '2024-04-26T00:00:00.000Z' }])),
  });
}
