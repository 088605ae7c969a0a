import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browsableRepositoryUrl, reducePackument } from '../../server/src/engine/data/registry-client';
import { buildPackument } from '../support/fake-registry';

test('repository fields become browsable https URLs', () => {
  const cases: [unknown, string | undefined][] = [
    [{ type: 'git', url: 'git+https://github.com/a/b.git' }, 'https://github.com/a/b'],
    ['git://github.com/a/b.git', 'https://github.com/a/b'],
    ['git+ssh://git@github.com/a/b.git', 'https://github.com/a/b'],
    ['git@gitlab.com:group/sub/proj.git', 'https://gitlab.com/group/sub/proj'],
    ['github:a/b', 'https://github.com/a/b'],
    ['gitlab:a/b', 'https://gitlab.com/a/b'],
    ['bitbucket:a/b', 'https://bitbucket.org/a/b'],
    ['a/b', 'https://github.com/a/b'],
    ['https://example.com/x/', 'https://example.com/x'],
    ['http://git.example.com:8080/x.git', 'https://git.example.com:8080/x'],
    ['javascript:alert(1)', undefined],
    ['file:///etc/passwd', undefined],
    ['', undefined],
    [{ type: 'git' }, undefined],
    [42, undefined],
  ];
  for (const [input, expected] of cases) assert.equal(browsableRepositoryUrl(input), expected, JSON.stringify(input));
});

test('reducePackument keeps repositoryUrl and a well-formed gitHead', () => {
  const raw = buildPackument('http://r/', 'p', {
    versions: {
      '1.0.0': { repository: { type: 'git', url: 'git+https://github.com/o/p.git' }, gitHead: 'ABCDEF0123456789abcdef0123456789abcdef01' },
      '1.0.1': { gitHead: 'not a sha; rm -rf /' },
      '1.0.2': {},
    },
  });
  const p = reducePackument(raw, 'p')!;
  assert.equal(p.version('1.0.0')!.repositoryUrl, 'https://github.com/o/p');
  assert.equal(p.version('1.0.0')!.gitHead, 'abcdef0123456789abcdef0123456789abcdef01');
  assert.equal(p.version('1.0.1')!.gitHead, undefined);
  assert.equal(p.version('1.0.1')!.repositoryUrl, undefined);
  assert.equal(p.version('1.0.2')!.gitHead, undefined);
});
