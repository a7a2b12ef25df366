// Incremental routing answers: a delta applied to the old tables gives the
// new ones exactly, and is far smaller than the whole tables.
import { expect } from 'chai';
import { deflateSync } from 'node:zlib';
import { POSITIONS } from '../../src/overlay/bloom.js';
import { encodeHolders, sameHolders, type HolderTable } from '../../src/overlay/holder-table.js';
import { emptyTable } from '../../src/overlay/route-table.js';
import {
  applyDelta,
  applyHolders,
  diffHolders,
  makeDelta,
} from '../../src/overlay/routes-delta.js';

/** A random holder table of about `n` entries, sorted and unique. */
function randomHolders(n: number, seed: number): HolderTable {
  let x = seed;
  const rand = (m: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % m;
  };
  const pairs = new Map<string, [number, number, number]>();
  for (let i = 0; i < n; i++) {
    const e: [number, number, number] = [rand(5000), 1 + rand(40), rand(8)];
    pairs.set(`${e[0]}/${e[1]}`, e);
  }
  const sorted = [...pairs.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return {
    keys: Uint32Array.from(sorted.map((e) => e[0])),
    holders: Uint32Array.from(sorted.map((e) => e[1])),
    dists: Uint8Array.from(sorted.map((e) => e[2])),
  };
}

/** `t` with every 50th entry dropped, every 40th one hop farther, and a few added. */
function evolve(t: HolderTable): HolderTable {
  const entries: [number, number, number][] = [];
  for (let i = 0; i < t.keys.length; i++) {
    if (i % 50 === 0) continue;
    entries.push([t.keys[i]!, t.holders[i]!, t.dists[i]! + (i % 40 === 0 ? 1 : 0)]);
  }
  for (let k = 0; k < 20; k++) entries.push([6000 + k, 3, 2]);
  return {
    keys: Uint32Array.from(entries.map((e) => e[0])),
    holders: Uint32Array.from(entries.map((e) => e[1])),
    dists: Uint8Array.from(entries.map((e) => e[2])),
  };
}

describe('routing deltas', () => {
  it('diff then apply gives the new holder table exactly, both ways', () => {
    const a = randomHolders(3000, 7);
    const b = evolve(a);
    const { upserts, removed } = diffHolders(a, b);
    expect(sameHolders(applyHolders(a, upserts, removed), b)).to.equal(true);
    const back = diffHolders(b, a);
    expect(sameHolders(applyHolders(b, back.upserts, back.removed), a)).to.equal(true);
    const none = diffHolders(a, a);
    expect(none.upserts.keys.length + none.removed.keys.length).to.equal(0);
  });

  it('a wire delta rebuilds both tables and is a fraction of the whole', () => {
    const oldTable = emptyTable();
    const newTable = emptyTable();
    for (let i = 0; i < POSITIONS; i += 3) oldTable[i] = i % 7;
    newTable.set(oldTable);
    for (let i = 0; i < 200; i++) newTable[(i * 331) % POSITIONS] = 1;
    const from = { version: 1, table: oldTable, holders: randomHolders(3000, 11) };
    const to = { version: 2, table: newTable, holders: evolve(from.holders) };
    const delta = makeDelta(from, to);
    expect(delta.baseVersion).to.equal(1);
    const rebuilt = applyDelta(from, delta);
    expect(Buffer.from(rebuilt.table).equals(newTable)).to.equal(true);
    expect(sameHolders(rebuilt.holders, to.holders)).to.equal(true);
    const whole = deflateSync(newTable).length + encodeHolders(to.holders).length;
    const sent = delta.table.length + delta.holders.length + delta.removedHolders.length;
    expect(sent).to.be.below(whole / 4);
  });

  it('refuses a filter delta of partial entries or naming a position past the end', () => {
    const held = { table: new Uint8Array(16), holders: undefined };
    const bad = (table: Buffer) => () =>
      applyDelta(held, { table, holders: new Uint8Array(0), removedHolders: new Uint8Array(0) });
    expect(bad(Buffer.alloc(4))).to.throw(/of 4 bytes/);
    expect(bad(Buffer.from([16, 0, 1]))).to.throw(/position 16/);
    expect(
      applyDelta(held, {
        table: Buffer.from([3, 0, 9]),
        holders: new Uint8Array(0),
        removedHolders: new Uint8Array(0),
      }).table[3],
    ).to.equal(9);
  });
});
