// The index's files sorted by first name, built once per change of the index
// rather than per list request, so a page costs O(page) and a keyword query
// one pass with no sort.
import { tokenize } from './keywords.js';
import type { FileEntry, ListResult } from './types.js';

export class SortedFiles {
  private readonly entries: readonly FileEntry[];
  /** Per entry, each name as ` token token …`; built by the first keyword query. */
  private tokenLines: (readonly string[])[] | undefined;

  /** Takes ownership of `entries`: they are sorted in place and frozen, as pages share them. */
  constructor(entries: FileEntry[]) {
    // Code-unit order, as before; first names are unique (a path has one content).
    entries.sort((a, b) => (a.names[0]! < b.names[0]! ? -1 : a.names[0]! > b.names[0]! ? 1 : 0));
    for (const entry of entries) {
      Object.freeze(entry.names);
      Object.freeze(entry);
    }
    this.entries = entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Entries some name of which matches every term (all with no terms), paged. */
  page(terms: readonly string[], offset: number, limit: number): ListResult {
    const { entries } = this;
    if (terms.length === 0) {
      return { files: entries.slice(offset, offset + limit), total: entries.length };
    }
    const lines = (this.tokenLines ??= entries.map((e) =>
      e.names.map((name) => ` ${tokenize(name).join(' ')}`),
    ));
    // A term prefixes a token exactly when ` term` occurs in the line: tokens hold no blanks.
    const needles = terms.map((t) => ` ${t}`);
    const files: FileEntry[] = [];
    let total = 0;
    for (let i = 0; i < entries.length; i++) {
      if (!lines[i]!.some((line) => needles.every((n) => line.includes(n)))) continue;
      if (total >= offset && files.length < limit) files.push(entries[i]!);
      total++;
    }
    return { files, total };
  }
}
