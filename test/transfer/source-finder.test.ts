// Which name a search gives a fetched file: one vote per peer, however many
// hits a peer sends.
import { expect } from 'chai';
import { resolveSources } from '../../src/transfer/source-finder.js';
import type { FindSources, SourceHit } from '../../src/transfer/types.js';

const SHA = 'ab'.repeat(32);

function hit(peerId: string, name: string): SourceHit {
  return { peerId, address: `${peerId}.example:1`, sha256: SHA, name, size: 10 };
}

describe('transfer: sources found by search', () => {
  const found =
    (hits: SourceHit[]): FindSources =>
    () =>
      Promise.resolve(hits);
  const signal = new AbortController().signal;

  it('names the file as most peers do, not as the peer with most hits', async () => {
    const liar = Array.from({ length: 16 }, () => hit('liar', 'invoice.pdf.exe'));
    const hits = [...liar, hit('a', 'dataset.bin'), hit('b', 'dataset.bin')];
    const byHash = await resolveSources(found(hits), { sha256: SHA, explicit: [] }, signal);
    expect(byHash.name).to.equal('dataset.bin');
    expect(byHash.sources).to.have.length(3);
    const byName = await resolveSources(found(hits), { name: 'dataset', explicit: [] }, signal);
    expect(byName.name).to.equal('dataset.bin');
  });
});
