import fc from 'fast-check';

/**
 * Packument-shaped texts: versions whose fields are drawn from small pools (so that
 * versions repeat each other's texts, as real ones do, and the decoder's per-text memory
 * is used), of every JSON type, with escapes, duplicate keys and versions that are not
 * objects. Written as text, since duplicate keys cannot be built with objects.
 */
export function packumentTexts(): fc.Arbitrary<string> {
  const str = (s: string) => JSON.stringify(s);
  const pool = <T>(...xs: T[]) => fc.constantFrom(...xs);
  const fieldValues: Record<string, fc.Arbitrary<string>> = {
    repository: pool('"github:o/r"', '{"type":"git","url":"git+https://github.com/o/r.git"}', '{"url":"  "}', '""', '42', 'null', '["x"]', str('git@gitlab.com:g/p.git')),
    bin: pool('"cli.js"', '""', '{}', '{"a":"b"}', '[]', '[1]', 'true', 'null'),
    directories: pool('{"bin":"./bin"}', '{"bin":""}', '{"lib":"x"}', '"bin"', 'null', '{"bin":{"x":1}}'),
    scripts: pool('{"postinstall":"node x"}', '{"test":"t","install":"i"}', '{"preinstall":""}', '{"prepare":"p","build":"b"}', '"install"', 'null', '{"install":5}'),
    gypfile: pool('true', 'false', '"true"', 'null', '1'),
    dependencies: pool('{"a":"^1.0.0"}', '{"a":"^1.0.0","b":"2"}', '{}', '{"__proto__":"1","constructor":"2"}', '{"a":1}', '[]', '"a"', '{"a":"github:o/a"}'),
    optionalDependencies: pool('{"a":"^2.0.0"}', '{"c":"3"}', '{}', 'null'),
    peerDependencies: pool('{"p":"^1"}', '{"p":"https://x.example/p.tgz"}', '{"q":"file:../q"}', '7'),
    deprecated: pool('"use 2"', '""', '"\\u0075se \\"3\\""', 'false', '{"why":1}'),
    _npmUser: pool('{"name":"alice","email":"a@x"}', '{"name":"bob"}', '{"name":5}', '"alice"', 'null', '[]'),
    dist: pool(
      '{"integrity":"sha512-abc","tarball":"t"}',
      '{"integrity":"sha1-abc","shasum":"s"}',
      '{"attestations":{"url":"u"},"integrity":"sha256-x"}',
      '{"attestations":null}',
      '{"attestations":[],"integrity":5}',
      '{"signatures":[{"sig":"}"}],"integrity":"SHA384-y","integrity":"sha1-z"}',
      '"sha512-abc"',
      '[{"integrity":"sha512-a"}]',
      'null',
    ),
    gitHead: pool('"ABCDEF0"', '"abcdef0123456789abcdef0123456789abcdef01"', '"not a sha"', '7', 'null'),
    readme: pool('"# x \\" } ] {"', '{"nested":[[{"a":"]"}]]}', '"' + 'r'.repeat(100) + '"'),
    '\\u0064eprecated': pool('"escaped key"'),
  };
  const field = fc.constantFrom(...Object.keys(fieldValues)).chain((k) => fieldValues[k].map((v) => `${k.startsWith('\\') ? `"${k}"` : str(k)}:${v}`));
  const version = fc.oneof(
    { weight: 8, arbitrary: fc.array(field, { maxLength: 8 }).map((fs) => `{${fs.join(',')}}`) },
    { weight: 1, arbitrary: pool('null', '5', '"1.0.0"', '[]', '[{"deprecated":"x"}]') },
  );
  const versionName = pool('1.0.0', '1.0.1', '2.0.0-beta.1', '0', '10', '__proto__', 'constructor', 'x\u0031');
  const versions = fc.array(fc.tuple(versionName, version), { maxLength: 12 }).map((vs) => `{${vs.map(([n, v]) => `"${n}":${v}`).join(', ')}}`);
  const time = pool('{}', '{"1.0.0":"2024-12-09T00:35:24.531000+00:00","created":"2020-01-01T00:00:00.000Z"}', '{"1.0.1":"junk","unpublished":{"time":"t","versions":["1.0.0",5]}}');
  return fc
    .tuple(versions, fc.option(versions, { nil: undefined }), time, pool('{"latest":"1.0.0"}', '{"latest":5}', '[]'), pool('"p"', '5'), pool('[{"name":"alice"},"bob",5]', '"x"'))
    .map(([v, again, t, tags, name, maintainers]) => `{"name":${name},"dist-tags":${tags},"versions":${v},"time":${t},"maintainers":${maintainers}${again ? `,"versions":${again}` : ''},"readme":"x"}`);
}
