// Keyword filter keys and the distance table: no false negatives for any
// token prefix, few false positives, merging and fading by distance.
import { expect } from 'chai';
import { MAX_PREFIX, POSITIONS, nameKeys, positions } from '../../src/overlay/bloom.js';
import { compileQuery } from '../../src/index/keywords.js';
import {
  NONE,
  emptyTable,
  mayMatch,
  mergeTables,
  ownTable,
  termPositions,
} from '../../src/overlay/route-table.js';

const terms = (query: string): number[][] => termPositions(compileQuery(query).terms);

describe('routing tables', () => {
  it('positions are stable, in range and distinct per key', () => {
    const a = positions('report');
    expect(a).to.deep.equal(positions('report'));
    expect(new Set(a).size).to.equal(a.length);
    for (const p of a) expect(p).to.be.within(0, POSITIONS - 1);
  });

  it('keys are the token prefixes of a name, normalized and capped', () => {
    const keys = nameKeys('Docs/Été-Report_2024.PDF');
    for (const k of ['d', 'docs', 'e', 'ete', 'r', 'repo', 'report', '2', '2024', 'pdf']) {
      expect(keys.has(k), k).to.equal(true);
    }
    expect(keys.has('eport')).to.equal(false);
    const long = nameKeys('supercalifragilistic');
    expect(Math.max(...[...long].map((k) => k.length))).to.equal(MAX_PREFIX);
  });

  it('every query the index would match is matched by the own table (no false negatives)', () => {
    const names = ['deep/needle-report.txt', 'Música/Canción del Año.mp3', 'x7k2qz-rare.dat'];
    const table = ownTable(names);
    const queries = ['needle', 'NEED rep', 'deep txt', 'cancion ano', 'mus', 'x7k2', 'x7k2qz rare'];
    queries.push('supercalifragilistic'.slice(0, 3));
    for (const q of queries.slice(0, -1)) {
      expect(
        names.some((n) => compileQuery(q).match(n)),
        `index matches ${q}`,
      ).to.equal(true);
      expect(mayMatch(table, terms(q), 0), q).to.equal(true);
    }
    // A term longer than MAX_PREFIX is looked up by its prefix.
    const long = ownTable(['supercalifragilisticexpialidocious']);
    expect(mayMatch(long, terms('supercalifragilisticexpialidocious'), 0)).to.equal(true);
  });

  it('false positives are rare for absent keys', () => {
    const names = Array.from({ length: 500 }, (_, i) => `file-${i}-word${(i * 7919) % 1000}.bin`);
    const table = ownTable(names);
    let hits = 0;
    for (let i = 0; i < 2000; i++) if (mayMatch(table, terms(`absent${i}zz`), 0)) hits++;
    expect(hits / 2000).to.be.below(0.02);
  });

  it('merging adds a hop per neighbor, keeps the nearest, drops beyond maxDistance', () => {
    const a = ownTable(['alpha.txt']);
    const b = ownTable(['beta.txt']);
    const atB = mergeTables(b, [a], 3); // b's table with a one hop behind
    expect(mayMatch(atB, terms('beta'), 0)).to.equal(true);
    expect(mayMatch(atB, terms('alpha'), 0)).to.equal(false);
    expect(mayMatch(atB, terms('alpha'), 1)).to.equal(true);
    const atC = mergeTables(emptyTable(), [atB], 3);
    expect(mayMatch(atC, terms('alpha'), 1)).to.equal(false);
    expect(mayMatch(atC, terms('alpha'), 2)).to.equal(true);
    // Both terms must be reachable: alpha at 2, beta at 1 -> within 2.
    expect(mayMatch(atC, terms('alpha beta'), 1)).to.equal(false);
    expect(mayMatch(atC, terms('alpha beta'), 2)).to.equal(true);
    let far = atC;
    for (let i = 0; i < 3; i++) far = mergeTables(emptyTable(), [far], 3);
    expect(far.every((d) => d === NONE)).to.equal(true);
  });
});
