import { parseTree, printParseErrorCode, type Node, type ParseError as JsoncError } from 'jsonc-parser';
import type { Dependency, DependencySection, Manifest, ParseError, Span } from '../model';
import { classifySpec } from './spec';
import { arrayElementSpans, JSON_ERROR_WORDS, jsonStringAt, parseJsonDocument, type JsonMember, type JsonOutline } from '../lockfile/json-spans';
import { deepNestingMessage, findDeepNesting } from '../json-depth';
import { findMergeConflicts, mergeConflictError } from '../merge-conflict';

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
 * One `"key": value` property, read either from jsonc-parser's tree (any text, damaged
 * included) or from the fast JSON outline (text JSON.parse accepts). The collectors below
 * only see this view, so both paths give the same dependencies.
 */
interface PropertyView {
  key: string;
  keySpan: Span;
  propertySpan: Span;
  /** Absent while a property is being typed (key, no value). */
  valueSpan?: Span;
  kind: 'string' | 'object' | 'other' | 'missing';
  /** The value, for strings. */
  text?: string;
  /** The properties of an object value. */
  children(): PropertyView[];
}

function treeView(prop: Node): PropertyView | undefined {
  const keyNode = prop.children?.[0];
  if (!keyNode || keyNode.type !== 'string') return undefined;
  const value = prop.children?.[1];
  return {
    key: keyNode.value as string,
    keySpan: spanOf(keyNode),
    propertySpan: spanOf(prop),
    valueSpan: value ? spanOf(value) : undefined,
    kind: !value ? 'missing' : value.type === 'string' ? 'string' : value.type === 'object' ? 'object' : 'other',
    text: value?.type === 'string' ? (value.value as string) : undefined,
    children: () => treeChildren(value),
  };
}

function treeChildren(obj: Node | undefined): PropertyView[] {
  if (!obj || obj.type !== 'object') return [];
  return (obj.children ?? []).map(treeView).filter((v): v is PropertyView => v !== undefined);
}

function outlineView(text: string, outline: JsonOutline, member: JsonMember): PropertyView {
  const first = text.charCodeAt(member.valueStart);
  const kind = first === 34 /* " */ ? 'string' : first === 123 /* { */ ? 'object' : 'other';
  const valueSpan = { start: member.valueStart, end: member.span.end };
  return {
    key: member.key,
    keySpan: member.keySpan,
    propertySpan: member.span,
    valueSpan,
    kind,
    text: kind === 'string' ? jsonStringAt(text, valueSpan.start, valueSpan.end) : undefined,
    children: () => (kind === 'object' ? outline.members(member).map((m) => outlineView(text, outline, m)) : []),
  };
}

/** The last property named `key` (JSON.parse keeps the last of duplicates). */
function property(props: PropertyView[], key: string): PropertyView | undefined {
  let found: PropertyView | undefined;
  for (const p of props) if (p.key === key) found = p;
  return found;
}

/**
 * Parses a package.json with exact spans.
 * npm reads it with JSON.parse, so comments and trailing commas are errors here too. Tolerant: jsonc-parser still yields a tree on
 * syntax errors, so dependencies before and after the error are analysed, and a property
 * being typed (key, no value yet) is read as an empty spec.
 */
export function parseManifest(path: string, text: string): Manifest {
  const deep = tooDeep(path, text);
  if (deep) return deep;
  // Fast path for the usual case, valid JSON: JSON.parse for the value and a scan for the
  // spans (jsonc-parser's tree costs several times more; monorepos have hundreds of these).
  const doc = text.trim() === '' ? undefined : parseJsonDocument(text, { jsonc: false });
  if (doc && doc.errors.length === 0 && isPlainObject(doc.value)) {
    const manifest: Manifest = { path, dependencies: [], parseErrors: [], json: doc.value };
    const root = doc.outline.members(null).map((m) => outlineView(text, doc.outline, m));
    collectDependencies(root, manifest.dependencies);
    for (const key of ['bundleDependencies', 'bundledDependencies']) collectBundledOutline(text, root, key, manifest.dependencies);
    return readFields(manifest);
  }
  return parseManifestTolerantly(path, text);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function collectDependencies(root: PropertyView[], out: Dependency[]): void {
  for (const section of OBJECT_SECTIONS) collectObjectSection(root, section, section, out);
  const pnpm = property(root, 'pnpm');
  if (pnpm) collectObjectSection(pnpm.children(), 'overrides', 'pnpm.overrides', out);
}

/**
 * A manifest nested deeper than MAX_JSON_DEPTH is not parsed at all: jsonc-parser and the
 * walks over its tree recurse per level, and a stack overflow would lose the whole folder's
 * scan. It is reported (unparsed-file) at the bracket that went too deep; no real
 * package.json comes near the limit.
 */
function tooDeep(path: string, text: string): Manifest | undefined {
  const at = findDeepNesting(text);
  if (at === undefined) return undefined;
  return { path, dependencies: [], parseErrors: [{ message: deepNestingMessage(), span: { start: at, end: at + 1 } }], json: undefined };
}

/** The tree-based parse: any text, damaged included. Also what the fast path is tested against. */
export function parseManifestTolerantly(path: string, rawText: string): Manifest {
  const deep = tooDeep(path, rawText);
  if (deep) return deep;
  // npm strips a byte-order mark; a space keeps every offset where it was.
  const text = rawText.charCodeAt(0) === 0xfeff ? ' ' + rawText.slice(1) : rawText;
  const conflicts = findMergeConflicts(text);
  if (conflicts) return bothSides(path, parseTreeManifest(path, conflicts.ours), parseTreeManifest(path, conflicts.theirs), mergeConflictError(conflicts));
  return parseTreeManifest(path, text);
}

/**
 * A package.json with an unresolved merge conflict: one error that says so, and the
 * dependencies of both sides (each parsed on its own, spans in the file's own offsets), so
 * that what either branch brings in is still checked. The other fields come from "ours"
 * (from "theirs" when ours holds no object).
 */
function bothSides(path: string, ours: Manifest, theirs: Manifest, error: ParseError): Manifest {
  const base = ours.json !== undefined ? ours : theirs;
  const dependencies = [...ours.dependencies];
  const key = (d: Dependency) => `${d.section}\0${d.name}\0${d.spec}\0${d.nameSpan.start}`;
  const seen = new Set(dependencies.map(key));
  for (const d of theirs.dependencies) if (!seen.has(key(d))) dependencies.push(d);
  return { ...base, path, dependencies, parseErrors: [error] };
}

function parseTreeManifest(path: string, text: string): Manifest {
  const errors: JsoncError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const parseErrors = describeJsonErrors(errors, text);
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
  const props = treeChildren(root);
  for (const section of OBJECT_SECTIONS) collectObjectSection(props, section, section, manifest.dependencies);
  const pnpm = property(props, 'pnpm');
  if (pnpm) collectObjectSection(pnpm.children(), 'overrides', 'pnpm.overrides', manifest.dependencies);
  for (const key of ['bundleDependencies', 'bundledDependencies']) collectBundled(root, key, manifest.dependencies);
  return readFields(manifest);
}

/** The fields other than dependencies, from the parsed value. */
function readFields(manifest: Manifest): Manifest {
  const json = manifest.json as Record<string, unknown>;
  if (typeof json.name === 'string') manifest.name = json.name;
  if (typeof json.version === 'string') manifest.version = json.version;
  if (typeof json.packageManager === 'string') manifest.packageManager = json.packageManager;
  if (typeof json.private === 'boolean') manifest.private = json.private;
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

function collectObjectSection(parent: PropertyView[], key: string, section: DependencySection, out: Dependency[]): void {
  const value = property(parent, key);
  if (!value || value.kind !== 'object') return;
  const seen = new Map<string, Dependency>();
  for (const prop of value.children()) {
    if (section === 'overrides' && prop.kind === 'object') {
      // npm overrides nest: { "foo": { ".": "1.0.0", "bar": "2.0.0" } }.
      const children = prop.children();
      collectNestedOverrides(children, out);
      const dot = property(children, '.');
      if (dot?.kind === 'string') out.push(makeDependency(prop.key, dot.text!, section, prop.keySpan, dot.valueSpan, prop.propertySpan));
      continue;
    }
    if (prop.kind !== 'string' && prop.kind !== 'missing') continue; // not a dependency entry
    const dep = makeDependency(resolutionName(prop.key, section), prop.text ?? '', section, prop.keySpan, prop.valueSpan, prop.propertySpan);
    const earlier = seen.get(prop.key);
    if (earlier) earlier.duplicate = true;
    seen.set(prop.key, dep);
    out.push(dep);
  }
}

function collectNestedOverrides(props: PropertyView[], out: Dependency[]): void {
  for (const prop of props) {
    if (prop.key === '.') continue;
    if (prop.kind === 'string') {
      out.push(makeDependency(prop.key, prop.text!, 'overrides', prop.keySpan, prop.valueSpan, prop.propertySpan));
    } else if (prop.kind === 'object') {
      const children = prop.children();
      collectNestedOverrides(children, out);
      const dot = property(children, '.');
      if (dot?.kind === 'string') out.push(makeDependency(prop.key, dot.text!, 'overrides', prop.keySpan, dot.valueSpan, prop.propertySpan));
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

/** collectBundled over the outline: the string elements of the last `key` member's array. */
function collectBundledOutline(text: string, root: PropertyView[], key: string, out: Dependency[]): void {
  const prop = property(root, key);
  if (!prop?.valueSpan) return;
  for (const span of arrayElementSpans(text, prop.valueSpan.start)) {
    if (text.charCodeAt(span.start) !== 34 /* " */) continue;
    const name = jsonStringAt(text, span.start, span.end);
    out.push({ name, spec: '', section: 'bundleDependencies', kind: 'range', nameSpan: span, propertySpan: { ...span } });
  }
}

function makeDependency(
  name: string,
  spec: string,
  section: DependencySection,
  nameSpan: Span,
  specSpan: Span | undefined,
  propertySpan: Span,
): Dependency {
  const c = classifySpec(name, spec);
  const dep: Dependency = { name, spec, section, kind: c.kind, nameSpan, propertySpan };
  if (specSpan) dep.specSpan = specSpan;
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

/**
 * jsonc-parser's errors in words, with their line. Two rules keep them readable:
 * - one error per place: after a string left open (a missing quote), the parser's
 *   recovery adds errors of its own on that line and the next ("unexpected character",
 *   "expected ':'"); only the open string is reported, saying what is missing;
 * - line numbers come from one index of line starts (binary search), not from re-reading
 *   the text before each error, which was quadratic in the number of errors.
 */
function describeJsonErrors(errors: JsoncError[], text: string): ParseError[] {
  const lineOf = lineFinder(text);
  const lines = errors.map((e) => lineOf(e.offset));
  const openStringLines = new Set<number>();
  for (let i = 0; i < errors.length; i++) if (printParseErrorCode(errors[i].error) === 'UnexpectedEndOfString') openStringLines.add(lines[i]);
  const out: ParseError[] = [];
  const reported = new Set<number>();
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i];
    const line = lines[i];
    const code = printParseErrorCode(e.error);
    const openString = code === 'UnexpectedEndOfString';
    if (openString ? reported.has(line) : openStringLines.has(line) || openStringLines.has(line - 1)) continue;
    if (openString) reported.add(line);
    const words = openString ? 'unterminated string (a quote is missing on this line)' : JSON_ERROR_WORDS[code] ?? code;
    out.push({ message: `line ${line}: ${words}`, span: { start: e.offset, end: Math.max(e.offset + e.length, e.offset + 1) } });
  }
  return out;
}

/** offset -> 1-based line, from the line starts collected once. */
function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
