// A hostile client (the PeerService stub built from the .proto) opens
// streaming calls from one address over two connections: never-read
// Downloads and DownloadRanges on one, Searches held open by a neighbor that
// never answers on the other. Past grpc.maxStreamsPerIp every further
// Download, DownloadRanges, Search and Upload from that host is refused with RESOURCE_EXHAUSTED before it does
// any work, unary calls still work, and once the hostile streams go an
// honest Download succeeds. The yardstick, the default cap, takes them all.
import { status as GrpcStatus, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { deadline, unaryCall } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import type { PeerServiceClient } from '../../src/generated/p2p/v1/PeerService.js';
import { PROTOCOL_VERSION } from '../../src/grpc/proto.js';
import { collect } from '../fixtures/grpc.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { startFakePeer, type FakePeer } from '../overlay/fake-peer.js';
import { MiB, randomContent, sha256Of } from '../transfer/helpers.js';

const CAP = 8;
const DOWNLOADS = 4;
const RANGES = 2;
const SEARCHES = CAP - DOWNLOADS - RANGES;
const EXTRA = 10;

type Outcome = 'open' | 'refused' | 'other';

describe('grpc: streaming calls per remote host', function () {
  this.timeout(60_000);
  const content = randomContent(8 * MiB);
  const sha256 = sha256Of(content);
  let peer: TestPeer | undefined;
  let fake: FakePeer | undefined;
  const clients: PeerServiceClient[] = [];
  const calls: { cancel(): void }[] = [];

  afterEach(async () => {
    for (const c of calls.splice(0)) c.cancel();
    for (const c of clients.splice(0)) c.close();
    await peer?.stop();
    await fake?.stop(true);
    [peer, fake] = [undefined, undefined];
  });

  /** A victim sharing one file, with a neighbor that holds every Search open. */
  async function victim(grpc: Record<string, unknown>): Promise<TestPeer> {
    fake = await startFakePeer({ id: 'sloth', hangOnSearch: true });
    peer = await startPeer({
      files: { 'song.mp3': content },
      config: {
        grpc,
        index: { watch: false },
        search: { routing: 'flood', ratePerSec: 1000, rateBurst: 1000 },
        transfer: { maxServeStreamsPerPeer: 64 },
      },
    });
    await peer.daemon.overlay.connect(fake.address);
    return peer;
  }

  /** A client on a connection of its own (no shared subchannel). */
  function client(address: string): PeerServiceClient {
    const c = strangerClient(address, { 'grpc.use_local_subchannel_pool': 1 });
    clients.push(c);
    return c;
  }

  /** Opens a stream and resolves once its first message came ('open') or it failed. */
  function open<T>(call: ClientReadableStream<T>): Promise<Outcome> {
    calls.push(call);
    return new Promise((resolve) => {
      call.once('data', () => {
        call.pause(); // and never read again
        resolve('open');
      });
      call.once('error', (err: ServiceError) => {
        const refused =
          err.code === GrpcStatus.RESOURCE_EXHAUSTED && /maxStreamsPerIp/.test(err.details);
        resolve(refused ? 'refused' : 'other');
      });
    });
  }

  const download = (c: PeerServiceClient) =>
    open(c.Download({ sha256, offset: 0, length: 0 }, { deadline: deadline(30_000) }));
  const ranges = (c: PeerServiceClient) => {
    const call = c.DownloadRanges({ deadline: deadline(30_000) });
    call.write({ sha256, offset: 0, length: content.length });
    return open(call);
  };
  const search = (c: PeerServiceClient) =>
    open(
      c.Search(
        {
          queryId: randomUUID(),
          query: 'song',
          ttl: 2,
          origin: { id: 'mallory', address: '127.0.0.1:9', protocolVersion: PROTOCOL_VERSION },
        },
        { deadline: deadline(30_000) },
      ),
    );

  /** The hostile streams, then EXTRA more (Download, Search, DownloadRanges in turn) over both connections. */
  async function attack(address: string): Promise<{ held: Outcome[]; extra: Outcome[] }> {
    const [a, b] = [client(address), client(address)];
    const held = [
      ...(await Promise.all(Array.from({ length: DOWNLOADS }, () => download(a)))),
      ...(await Promise.all(Array.from({ length: RANGES }, () => ranges(a)))),
      ...(await Promise.all(Array.from({ length: SEARCHES }, () => search(b)))),
    ];
    const openers = [download, search, ranges];
    const extra: Outcome[] = [];
    for (let i = 0; i < EXTRA; i++) extra.push(await openers[i % 3]!(i % 2 ? a : b));
    return { held, extra };
  }

  const count = (xs: Outcome[], o: Outcome): number => xs.filter((x) => x === o).length;

  it(`yardstick: the default cap (128) takes all ${CAP + EXTRA} streams from one host`, async () => {
    const p = await victim({});
    const { held, extra } = await attack(p.grpcAddress);
    console.log(
      `      [figures] streams from one host, grpc.maxStreamsPerIp 128: ` +
        `${count(held, 'open') + count(extra, 'open')} of ${CAP + EXTRA} open, ` +
        `${count(extra, 'refused')} refused`,
    );
    expect(count(held, 'open') + count(extra, 'open')).to.equal(CAP + EXTRA);
  });

  it(`refuses streams past grpc.maxStreamsPerIp (${CAP}) with RESOURCE_EXHAUSTED; unary and later calls work`, async () => {
    const p = await victim({ maxStreamsPerIp: CAP });
    const { held, extra } = await attack(p.grpcAddress);

    // An Upload is a stream too: refused before it reads a byte.
    const upload = await new Promise<ServiceError | null>((resolve) => {
      const call = client(p.grpcAddress).Upload({ deadline: deadline(10_000) }, (err) =>
        resolve(err),
      );
      calls.push(call);
    });
    // A unary call is not capped.
    const info = await unaryCall<{ sha256: string }>((cb) =>
      clients[0]!.GetFile({ sha256 }, { deadline: deadline(5000) }, cb),
    );
    console.log(
      `      [figures] streams from one host, grpc.maxStreamsPerIp ${CAP}: ` +
        `${count(held, 'open')} held, ${count(extra, 'refused')} of ${EXTRA} more refused ` +
        `(${count(extra, 'other')} other), Upload ${upload ? GrpcStatus[upload.code] : 'accepted'}`,
    );
    expect(held).to.deep.equal(new Array<Outcome>(CAP).fill('open'));
    expect(extra).to.deep.equal(new Array<Outcome>(EXTRA).fill('refused'));
    expect(upload?.code).to.equal(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(upload?.details).to.match(/Upload refused: 8 streaming calls already open/);
    expect(info.sha256).to.equal(sha256);

    // The hostile streams go: an honest Download is served again.
    for (const c of calls.splice(0)) c.cancel();
    const honest = client(p.grpcAddress);
    await waitFor(
      async () =>
        collect(honest.Download({ sha256, offset: 0, length: 0 }, { deadline: deadline(10_000) }))
          .then((chunks) => chunks.reduce((n, c) => n + c.data.length, 0) === content.length)
          .catch(() => false),
      { what: 'an honest Download to be served' },
    );
  });
});
