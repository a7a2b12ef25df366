import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { startPeer, type TestPeer } from '../fixtures/peers.js';

const hash = (data: string): string => createHash('sha256').update(data).digest('hex');

async function read(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts).toString();
}

describe('FileIndex.openRange', () => {
  let peer: TestPeer;

  before(async () => {
    peer = await startPeer({ files: { 'empty.txt': '', 'ten.txt': '0123456789' } });
  });
  after(() => peer?.stop());

  it('streams an empty file as no bytes', async () => {
    const { start, end, stream } = await peer.daemon.index.openRange(hash(''));
    expect([start, end]).to.deep.equal([0, -1]);
    expect(await read(stream)).to.equal('');
  });

  it('streams an empty range (end = start - 1) as no bytes', async () => {
    const { stream } = await peer.daemon.index.openRange(hash('0123456789'), 4, 3);
    expect(await read(stream)).to.equal('');
  });

  it('streams an inclusive range', async () => {
    const { stream } = await peer.daemon.index.openRange(hash('0123456789'), 2, 5);
    expect(await read(stream)).to.equal('2345');
  });

  it('refuses a range past the end', async () => {
    const err: unknown = await peer.daemon.index.openRange(hash('0123456789'), 5, 10).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('name', 'RangeNotSatisfiableError');
  });
});
