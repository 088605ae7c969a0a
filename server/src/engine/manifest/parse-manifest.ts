import { parseTree, printParseErrorCode, type Node, type ParseError as JsoncError } from 'jsonc-parser';
import type { Dependency, DependencySection, Manifest, ParseError, Span } from '../model';
import { classifySpec } from './spec';

const OBJECT_SECTIONS: DependencySection[] = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'overrides',
  'resolutions',
];

function spanOf(node: Node): Span {
  return { start: node.offset, end: node.offset + node.length };
}

function stringProperty(root: Node | undefined, key: string): string | undefined {
  const node = findProperty(root, key)?.children?.[1];
  return node?.type === 'string' ? (node.value as string) : undefined;
}

/** The property node of `key` in an object node (the last one, as JSON.parse keeps the last). */
function findProperty(obj: Node | undefined, key: string): Node | undefined {
  if (!obj || obj.type !== 'object') return undefined;
  let found: Node | undefined;
  for (const prop of obj.children ?? []) {
    if (prop.children?.[0]?.value === key) found = prop;
  }
  return found;
}

/**
 * Parses a package.json with exact spans.
 * npm reads it with JSON.parse, so comments and trailing commas are errors here too. Tolerant: jsonc-parser still yields a tree on
 * syntax errors, so dependencies before and after the error are analysed, and a property
 * being typed (key, no value yet) is read as an empty spec.
 */
export function parseManifest(path: string, text: string): Manifest {
  const errors: JsoncError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const parseErrors: ParseError[] = errors.map((e) => ({
    message: describeJsonError(e, text),
    span: { start: e.offset, end: Math.max(e.offset + e.length, e.offset + 1) },
  }));
  if (!root && parseErrors.length === 0 && text.trim() === '') {
    parseErrors.push({ message: 'The file is empty.', span: { start: 0, end: 0 } });
  }
  const manifest: Manifest = { path, dependencies: [], parseErrors, json: undefined };
  if (!root) return manifest;
  if (root.type !== 'object') {
    parseErrors.push({ message: 'package.json must hold a JSON object.', span: spanOf(root) });
    return manifest;
  }
  manifest.json = nodeValue(root);
  manifest.name = stringProperty(root, 'name');
  manifest.version = stringProperty(root, 'version');
  manifest.packageManager = stringProperty(root, 'packageManager');
  const priv = findProperty(root, 'private')?.children?.[1];
  manifest.private = priv?.type === 'boolean' ? (priv.value as boolean) : undefined;

  for (const section of OBJECT_SECTIONS) {
    collectObjectSection(root, section, section, manifest.dependencies);
  }
  const pnpm = findProperty(root, 'pnpm')?.children?.[1];
  if (pnpm) collectObjectSection(pnpm, 'overrides', 'pnpm.overrides', manifest.dependencies);
  for (const key of ['bundleDependencies', 'bundledDependencies']) {
    collectBundled(root, key, manifest.dependencies);
  }

  const json = manifest.json as Record<string, unknown>;
  const ws = json.workspaces;
  if (Array.isArray(ws)) manifest.workspaces = ws.filter((w): w is string => typeof w === 'string');
  else if (ws && typeof ws === 'object' && Array.isArray((ws as { packages?: unknown }).packages)) {
    manifest.workspaces = ((ws as { packages: unknown[] }).packages).filter((w): w is string => typeof w === 'string');
  }
  const allow = json.allowScripts;
  if (allow && typeof allow === 'object' && !Array.isArray(allow)) {
    manifest.allowScripts = {};
    for (const [k, v] of Object.entries(allow)) if (typeof v === 'boolean') manifest.allowScripts[k] = v;
  }
  if (Array.isArray(json.trustedDependencies)) {
    manifest.trustedDependencies = json.trustedDependencies.filter((x): x is string => typeof x === 'string');
  }
  if (json.pnpm && typeof json.pnpm === 'object') manifest.pnpm = json.pnpm as Record<string, unknown>;
  if (json.scripts && typeof json.scripts === 'object') {
    manifest.scripts = Object.fromEntries(
      Object.entries(json.scripts as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  }
  return manifest;
}

function collectObjectSection(parent: Node, key: string, section: DependencySection, out: Dependency[]): void {
  const value = findProperty(parent, key)?.children?.[1];
  if (!value || value.type !== 'object') return;
  const seen = new Map<string, Dependency>();
  for (const prop of value.children ?? []) {
    const keyNode = prop.children?.[0];
    if (!keyNode || keyNode.type !== 'string') continue;
    const name = keyNode.value as string;
    const valueNode = prop.children?.[1];
    if (section === 'overrides' && valueNode?.type === 'object') {
      // npm overrides nest: { "foo": { ".": "1.0.0", "bar": "2.0.0" } }.
      collectNestedOverrides(valueNode, out);
      const dot = findProperty(valueNode, '.')?.children?.[1];
      if (dot?.type === 'string') out.push(makeDependency(name, dot.value as string, section, keyNode, dot, prop));
      continue;
    }
    const spec = valueNode?.type === 'string' ? (valueNode.value as string) : '';
    if (valueNode && valueNode.type !== 'string') continue; // not a dependency entry
    const dep = makeDependency(resolutionName(name, section), spec, section, keyNode, valueNode, prop);
    const earlier = seen.get(name);
    if (earlier) earlier.duplicate = true;
    seen.set(name, dep);
    out.push(dep);
  }
}

function collectNestedOverrides(obj: Node, out: Dependency[]): void {
  for (const prop of obj.children ?? []) {
    const keyNode = prop.children?.[0];
    const valueNode = prop.children?.[1];
    if (!keyNode || keyNode.value === '.') continue;
    if (valueNode?.type === 'string') {
      out.push(makeDependency(keyNode.value as string, valueNode.value as string, 'overrides', keyNode, valueNode, prop));
    } else if (valueNode?.type === 'object') {
      collectNestedOverrides(valueNode, out);
      const dot = findProperty(valueNode, '.')?.children?.[1];
      if (dot?.type === 'string') out.push(makeDependency(keyNode.value as string, dot.value as string, 'overrides', keyNode, dot, prop));
    }
  }
}

/**
 * yarn resolutions and pnpm overrides key by a selector ("a/b", "**\/b", "b@1", "a>b");
 * the package being pinned is the last name in it.
 */
function resolutionName(key: string, section: DependencySection): string {
  if (section !== 'resolutions' && section !== 'pnpm.overrides') return key;
  let last = key.split(/>|(?<=[^@/])\/(?=[^/]*$)/).pop() ?? key;
  if (section === 'resolutions') {
    const parts = key.split('/');
    const idx = parts.length >= 2 && parts[parts.length - 2].startsWith('@') ? parts.length - 2 : parts.length - 1;
    last = parts.slice(idx).join('/');
  }
  last = last.replace(/^\*\*\//, '');
  const at = last.indexOf('@', 1);
  return at > 0 ? last.slice(0, at) : last;
}

function collectBundled(root: Node, key: string, out: Dependency[]): void {
  const prop = findProperty(root, key);
  const value = prop?.children?.[1];
  if (!value || value.type !== 'array') return;
  for (const item of value.children ?? []) {
    if (item.type !== 'string') continue;
    const name = item.value as string;
    out.push({
      name,
      spec: '',
      section: 'bundleDependencies',
      kind: 'range',
      nameSpan: spanOf(item),
      propertySpan: spanOf(item),
    });
  }
}

function makeDependency(
  name: string,
  spec: string,
  section: DependencySection,
  keyNode: Node,
  valueNode: Node | undefined,
  prop: Node,
): Dependency {
  const c = classifySpec(name, spec);
  const dep: Dependency = {
    name,
    spec,
    section,
    kind: c.kind,
    nameSpan: spanOf(keyNode),
    propertySpan: spanOf(prop),
  };
  if (valueNode) dep.specSpan = spanOf(valueNode);
  if (c.aliasOf) dep.aliasOf = c.aliasOf;
  if (c.url) dep.url = c.url;
  return dep;
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const p of node.children ?? []) {
        const k = p.children?.[0];
        const v = p.children?.[1];
        if (k && typeof k.value === 'string') o[k.value] = v ? nodeValue(v) : undefined;
      }
      return o;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

function describeJsonError(e: JsoncError, text: string): string {
  const code = printParseErrorCode(e.error);
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'expected a property name',
    ValueExpected: 'expected a value',
    ColonExpected: "expected ':'",
    CommaExpected: "expected ','",
    CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'",
    EndOfFileExpected: 'expected the end of the file',
    InvalidCommentToken: 'invalid comment',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character',
  };
  const line = text.slice(0, e.offset).split('\n').length;
  return `line ${line}: ${words[code] ?? code}`;
}
