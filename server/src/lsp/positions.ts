import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Range } from 'vscode-languageserver';
import type { Span } from '../engine/model';

/** Turns engine spans into LSP ranges; the only place offsets become positions. */
export class PositionMapper {
  private docs = new Map<string, TextDocument>();

  constructor(private readonly openDocument: (uri: string) => TextDocument | undefined) {}

  /** A document for the exact text the engine saw (open documents are reused when identical). */
  document(uri: string, text: string): TextDocument {
    const open = this.openDocument(uri);
    if (open && open.getText() === text) return open;
    const cached = this.docs.get(uri);
    if (cached && cached.getText() === text) return cached;
    const doc = TextDocument.create(uri, 'json', 0, text);
    this.docs.set(uri, doc);
    return doc;
  }

  range(uri: string, text: string, span: Span): Range {
    const doc = this.document(uri, text);
    return { start: doc.positionAt(span.start), end: doc.positionAt(span.end) };
  }

  forget(uri: string): void {
    this.docs.delete(uri);
  }
}
