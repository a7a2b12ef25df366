import { expect } from 'chai';
import { compileQuery } from '../../src/index/keywords.js';
import { SortedFiles } from '../../src/index/sorted-files.js';
import type { FileEntry } from '../../src/index/types.js';

const WORDS = ['Été', 'paris', 'PARIS', 'london', 'song', 'songbook', 'live', '2024', 'mix', 'a'];

function entry(i: number, names: string[]): FileEntry {
  return {
    sha256: i.toString(16).padStart(64, '0'),
    names: [...names].sort(),
    size: i,
    mtimeMs: i,
    chunkSize: 1024,
    chunkHashes: [],
  };
}

/** The list() of before the sorted view: filter everything, sort, slice. */
function reference(entries: FileEntry[], query: string, offset: number, limit: number) {
  const { match } = compileQuery(query);
  const matches = entries.filter((e) => e.names.some(match));
  matches.sort((a, b) => (a.names[0]! < b.names[0]! ? -1 : a.names[0]! > b.names[0]! ? 1 : 0));
  return { files: matches.slice(offset, offset + limit), total: matches.length };
}

describe('SortedFiles', () => {
  // A fixed pseudo-random share: names of 1-3 words joined by separators, some files with 2 names.
  let seed = 7;
  const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const name = (i: number): string =>
    Array.from({ length: 1 + next(3) }, () => WORDS[next(WORDS.length)]).join(
      ['-', '_', '/', ' '][next(4)],
    ) + `-${i}.${['mp3', 'txt', 'jpg'][next(3)]}`;
  const entries = Array.from({ length: 300 }, (_, i) =>
    entry(i, next(4) === 0 ? [name(i), `copy/${name(i)}`] : [name(i)]),
  );

  it('pages exactly like filtering and sorting every file', () => {
    const view = new SortedFiles(entries.map((e) => ({ ...e, names: [...e.names] })));
    for (const query of [
      '',
      'paris',
      'ete',
      'song',
      'songb',
      'paris 2024',
      'PARIS mix',
      'copy',
      'zzz',
      'a',
    ]) {
      for (const [offset, limit] of [
        [0, 50],
        [0, 1000],
        [10, 7],
        [299, 5],
        [400, 10],
      ] as const) {
        const got = view.page(compileQuery(query).terms, offset, limit);
        const want = reference(entries, query, offset, limit);
        expect(got.total, `${query} total`).to.equal(want.total);
        expect(
          got.files.map((f) => f.sha256),
          `${query} ${offset}+${limit}`,
        ).to.deep.equal(want.files.map((f) => f.sha256));
      }
    }
  });

  it('freezes what pages share, so no caller can change the next answer', () => {
    const view = new SortedFiles([entry(1, ['b.txt']), entry(2, ['a.txt'])]);
    const [first] = view.page([], 0, 1).files;
    expect(first!.names).to.deep.equal(['a.txt']);
    expect(Object.isFrozen(first) && Object.isFrozen(first!.names)).to.equal(true);
  });
});
