// The fetch side's own Download client: its parser against every way a
// stranger can cut or break the stream, and the client against a hand-made
// HTTP/2 server that answers well, refuses, sends garbage or nothing.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { DataChunkReader, WireFormatError } from '../../src/grpc/data-chunk-reader.js';
import { DownloadClient, encodeDownloadRequest } from '../../src/grpc/download-client.js';
import { splitHostPort } from '../../src/net/addresses.js';

/** DataChunk{offset, data} as a gRPC message (5-byte prefix). */
function dataChunk(offset: number, data: Buffer, extra: number[] = []): Buffer {
  const body: number[] = [...extra];
  if (offset > 0) body.push(0x08, ...varint(offset));
  body.push(0x12, ...varint(data.length));
  const head = Buffer.from(body);
  const message = Buffer.concat([head, data]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** Everything `reader` makes of `wire` cut into pieces of the given sizes. */
function readAll(wire: Buffer, cuts: number[], max = 1 << 20): { offset: number; data: Buffer } {
  const reader = new DataChunkReader(max);
  const pieces: { offset: number; data: Buffer }[] = [];
  let at = 0;
  for (const n of [...cuts, wire.length]) {
    const end = Math.min(wire.length, at + n);
    reader.read(wire.subarray(at, end), (p) =>
      pieces.push({ offset: p.offset, data: Buffer.from(p.data) }),
    );
    at = end;
    if (at >= wire.length) break;
  }
  expect(reader.atMessageBoundary).to.equal(true);
  for (let i = 1; i < pieces.length; i++) {
    expect(pieces[i]!.offset).to.equal(pieces[i - 1]!.offset + pieces[i - 1]!.data.length);
  }
  return { offset: pieces[0]?.offset ?? 0, data: Buffer.concat(pieces.map((p) => p.data)) };
}

describe('gRPC: the Download client', () => {
  describe('its stream parser', () => {
    const data = randomBytes(3000);
    const wire = Buffer.concat([
      dataChunk(5_000_000_000, data.subarray(0, 1000)),
      dataChunk(5_000_001_000, data.subarray(1000, 2500), [0x18, 0x07, 0x22, 0x02, 0x41, 0x42]),
      dataChunk(5_000_002_500, data.subarray(2500)),
    ]);

    it('gives the same bytes and offsets however the stream is cut', () => {
      for (const size of [1, 2, 3, 5, 7, 13, 1000, wire.length]) {
        const cuts = Array.from({ length: Math.ceil(wire.length / size) }, () => size);
        const got = readAll(wire, cuts);
        expect(got.offset, `cut every ${size}`).to.equal(5_000_000_000);
        expect(got.data.equals(data), `cut every ${size}`).to.equal(true);
      }
      for (let round = 0; round < 50; round++) {
        const cuts = Array.from({ length: 40 }, () => 1 + Math.floor(Math.random() * 200));
        expect(readAll(wire, cuts).data.equals(data)).to.equal(true);
      }
    });

    const broken: [string, Buffer, RegExp][] = [
      ['a compressed message', Buffer.from([1, 0, 0, 0, 2, 0x12, 0]), /compressed/],
      ['a message over the limit', Buffer.from([0, 0x10, 0, 0, 0]), /-byte message/],
      [
        'an offset after its data',
        Buffer.from([0, 0, 0, 0, 5, 0x12, 1, 0x41, 0x08, 0x05]),
        /offset after its data/,
      ],
      ['a field of a wire type it cannot skip', Buffer.from([0, 0, 0, 0, 1, 0x0b]), /wire type 3/],
      ['data longer than its message', Buffer.from([0, 0, 0, 0, 3, 0x12, 9, 0x41]), /longer/],
      [
        'a message that ends inside a varint',
        Buffer.from([0, 0, 0, 0, 2, 0x08, 0x80, 0, 0, 0, 0, 0]),
        /ends inside a field/,
      ],
      [
        'an offset past 2^53',
        Buffer.from([0, 0, 0, 0, 11, 0x08, ...Array(9).fill(0xff), 0x01]),
        /too large/,
      ],
    ];
    for (const [what, bytes, message] of broken) {
      it(`refuses ${what}`, () => {
        const reader = new DataChunkReader(1 << 20);
        expect(() => reader.read(bytes, () => undefined))
          .to.throw(WireFormatError)
          .with.property('message')
          .that.matches(message);
      });
    }
  });

  describe('against a hand-made server', () => {
    let server: Http2Server;
    let address: string;
    let answer: (stream: ServerHttp2Stream, request: Buffer) => void;
    const client = new DownloadClient((a) => {
      const { host, port } = splitHostPort(a);
      return netConnect({ host, port });
    });
    const signal = (): AbortSignal => new AbortController().signal;

    before(async () => {
      server = createServer();
      server.on('stream', (stream) => {
        const parts: Buffer[] = [];
        stream.on('data', (d: Buffer) => parts.push(d));
        stream.on('end', () => answer(stream, Buffer.concat(parts)));
        stream.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    });

    async function collect(
      timeoutMs = 5000,
      abort?: AbortSignal,
    ): Promise<{ bytes: Buffer; error?: Error }> {
      const parts: Buffer[] = [];
      try {
        const batches = client.download(
          address,
          { sha256: 'ab'.repeat(32), offset: 7, length: 1000 },
          { signal: abort ?? signal(), timeoutMs },
        );
        for await (const batch of batches) for (const p of batch) parts.push(Buffer.from(p.data));
        return { bytes: Buffer.concat(parts) };
      } catch (error) {
        return { bytes: Buffer.concat(parts), error: error as Error };
      }
    }

    it('sends the request as the .proto says and reads the data and trailers', async () => {
      const data = randomBytes(1000);
      let asked: Buffer | undefined;
      answer = (stream, request) => {
        asked = request;
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc' },
          { waitForTrailers: true },
        );
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(dataChunk(7, data));
      };
      const { bytes, error } = await collect();
      expect(error).to.equal(undefined);
      expect(bytes.equals(data)).to.equal(true);
      const body = encodeDownloadRequest({ sha256: 'ab'.repeat(32), offset: 7, length: 1000 });
      expect(asked!.subarray(5).equals(body)).to.equal(true);
      expect(asked!.readUInt32BE(1)).to.equal(body.length);
    });

    for (const [code, name, p2pError] of [
      ['5', 'NotFoundError', undefined],
      ['8', 'TooManyRequestsError', undefined],
      ['8', 'QuotaExceededError', 'QuotaExceededError'],
    ] as const) {
      it(`takes a refusal (grpc-status ${code}${p2pError ? `, ${p2pError}` : ''}) as ${name}`, async () => {
        answer = (stream) =>
          stream.respond(
            {
              ':status': 200,
              'content-type': 'application/grpc',
              'grpc-status': code,
              'grpc-message': encodeURIComponent('no such file: 100% sure'),
              ...(p2pError ? { 'p2p-error': p2pError } : {}),
            },
            { endStream: true },
          );
        const { error } = await collect();
        expect(error?.name).to.equal(name);
        if (name === 'NotFoundError') expect(error?.message).to.equal('no such file: 100% sure');
      });
    }

    it('stops a stranger that sends garbage, naming the fault', async () => {
      answer = (stream) => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
        stream.end(Buffer.from([0, 0, 0, 0, 3, 0x0b, 0x0b, 0x0b]));
      };
      const { error } = await collect();
      expect(error?.name).to.equal('UnavailableError');
      expect(error?.message).to.match(/broke the protocol: sent field 1 with wire type 3/);
    });

    it('takes a stream that ends without a status, or inside a message, as a failure', async () => {
      answer = (stream) => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
        stream.end(dataChunk(7, randomBytes(10)).subarray(0, 9));
      };
      const { error } = await collect();
      expect(error?.name).to.equal('UnavailableError');
    });

    it('gives up on a source that answers nothing, at the deadline', async () => {
      answer = () => undefined;
      const started = Date.now();
      const { error } = await collect(300);
      expect(error?.name).to.equal('TimeoutError');
      expect(Date.now() - started).to.be.within(250, 3000);
    });

    it('stops when the fetch aborts, with its reason', async () => {
      answer = (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      const controller = new AbortController();
      const reason = new Error('the fetch was cancelled');
      setTimeout(() => controller.abort(reason), 100);
      const { error } = await collect(10_000, controller.signal);
      expect(error).to.equal(reason);
    });

    it('says a peer nobody listens at is unreachable', async () => {
      const parts = new DownloadClient((a) => {
        const { host } = splitHostPort(a);
        return netConnect({ host, port: 1 });
      });
      try {
        const batches = parts.download(
          '127.0.0.1:1',
          { sha256: 'ab'.repeat(32), offset: 0, length: 1 },
          { signal: signal(), timeoutMs: 5000 },
        );
        const error = await (async () => {
          for await (const _ of batches) return undefined;
        })().then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error?.name).to.equal('UnavailableError');
        expect(error?.message).to.match(/127\.0\.0\.1:1 is unreachable \(.*ECONNREFUSED/);
      } finally {
        parts.close();
      }
    });
  });
});
