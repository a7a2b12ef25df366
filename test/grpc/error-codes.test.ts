// What gRPC clients are told when a request cannot be served: the status a
// client should act on (NOT_FOUND is not worth a retry, UNAVAILABLE is), plain
// details without grpc-js's internals, and no trace of a refused request.
import { expect } from 'chai';
import { networkInterfaces } from 'node:os';
import { deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import { isThisHost } from '../../src/grpc/handle.js';
import type { DataChunk__Output } from '../../src/generated/p2p/v1/DataChunk.js';
import { collect, expectStatus, grpcFailure } from '../fixtures/grpc.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { controlStream, sha256Of } from '../transfer/helpers.js';

const GRPC_JS_WORDS = /No connection established|Resolution note|Last error/;

describe('grpc: error codes and details', function () {
  this.timeout(30_000);
  const content = Buffer.from('twelve bytes');
  let peer: TestPeer;
  const seen: string[] = [];
  before(async () => {
    peer = await startPeer({ id: 'codes', files: { 'twelve.txt': content } });
    peer.daemon.events.subscribe((e) => seen.push(e.type));
  });
  after(async () => {
    await peer?.stop();
  });

  it('a Fetch of a hash nobody has is NOT_FOUND, not UNAVAILABLE', async () => {
    const r = await controlStream(peer.grpcAddress, 'Fetch', {
      sha256: sha256Of(Buffer.from('?')),
    });
    expectStatus(r.error!, 'NOT_FOUND');
    expect(r.error!.details).to.match(/no peer on the network has sha256/);
  });

  it('unreachable sources and targets are UNAVAILABLE in plain words', async () => {
    const fetch = await controlStream(peer.grpcAddress, 'Fetch', {
      sha256: sha256Of(Buffer.from('elsewhere')),
      sources: ['127.0.0.1:1'],
    });
    expectStatus(fetch.error!, 'UNAVAILABLE');
    expect(fetch.error!.details).to.match(/127\.0\.0\.1:1 is unreachable \(connect ECONNREFUSED/);
    expect(fetch.error!.details).not.to.match(GRPC_JS_WORDS);
    const push = await controlStream(peer.grpcAddress, 'Push', {
      name: 'twelve.txt',
      peer: '127.0.0.1:1',
    });
    expectStatus(push.error!, 'UNAVAILABLE');
    expect(push.error!.details).not.to.match(GRPC_JS_WORDS);
  });

  describe('refused requests leave no transfer and no event', () => {
    let transfersBefore = 0;
    let eventsBefore = 0;
    before(() => {
      transfersBefore = peer.daemon.transfers.list().length;
      eventsBefore = seen.length;
    });
    const refused: [string, 'Fetch' | 'Push', Record<string, unknown>, RegExp][] = [
      ['a malformed hash', 'Fetch', { sha256: 'zz' }, /64 hexadecimal/],
      ['a hash and a name', 'Fetch', { sha256: sha256Of(content), name: 'x.txt' }, /not both/],
      ['a bad source', 'Fetch', { sha256: sha256Of(content), sources: ['nowhere'] }, /host:port/],
      [
        'a push by hash and name',
        'Push',
        { sha256: sha256Of(content), name: 'twelve.txt', peer: '127.0.0.1:9' },
        /not both/,
      ],
    ];
    for (const [what, method, request, why] of refused) {
      it(`${method} with ${what}: INVALID_ARGUMENT`, async () => {
        const r = await controlStream(peer.grpcAddress, method, request);
        expectStatus(r.error!, 'INVALID_ARGUMENT');
        expect(r.error!.details).to.match(why);
      });
    }

    it('a push to this peer itself, by address or by id: INVALID_ARGUMENT', async () => {
      for (const target of [
        peer.grpcAddress,
        `localhost:${peer.grpcAddress.split(':')[1]}`,
        'codes',
      ]) {
        const r = await controlStream(peer.grpcAddress, 'Push', {
          name: 'twelve.txt',
          peer: target,
        });
        expectStatus(r.error!, 'INVALID_ARGUMENT');
        expect(r.error!.details).to.match(/is this peer/);
      }
    });

    it('none of them left a transfer record or a failure event', () => {
      expect(peer.daemon.transfers.list().length).to.equal(transfersBefore);
      expect(seen.slice(eventsBefore)).to.deep.equal([]);
    });
  });

  describe('Download ranges and 64-bit numbers', () => {
    const download = async (req: Record<string, unknown>): Promise<DataChunk__Output[]> => {
      const client = strangerClient(peer.grpcAddress);
      try {
        return await collect(client.Download(req, { deadline: deadline(5000) }));
      } finally {
        client.close();
      }
    };

    it('offset == size is OUT_OF_RANGE, as REST answers 416', async () => {
      const err = await grpcFailure(
        download({ sha256: sha256Of(content), offset: content.length }),
      );
      expectStatus(err, 'OUT_OF_RANGE');
      const res = await fetch(`${peer.restUrl}/api/v1/files/${sha256Of(content)}/content`, {
        headers: { range: `bytes=${content.length}-` },
      });
      expect(res.status).to.equal(416);
    });

    it('a uint64 above 2^53 - 1 is refused by name, not rounded', async () => {
      const err = await grpcFailure(
        download({ sha256: sha256Of(content), offset: '9007199254740993' }),
      );
      expectStatus(err, 'INVALID_ARGUMENT');
      expect(err.details).to.match(/^offset is larger than 9007199254740991/);
      const fine = await download({ sha256: sha256Of(content), offset: 4, length: '8' });
      expect(Buffer.concat(fine.map((c) => c.data)).toString()).to.equal('ve bytes');
    });
  });

  it("a caller on one of this host's own addresses counts as this host", () => {
    const own = Object.values(networkInterfaces())
      .flatMap((l) => l ?? [])
      .map((a) => a.address);
    for (const address of own) expect(isThisHost(address), address).to.equal(true);
    expect(isThisHost('203.0.113.9')).to.equal(false);
    expect(isThisHost('127.0.0.1')).to.equal(true);
  });
});
