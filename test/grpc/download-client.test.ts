// The fetch side's own Download client: its parser against every way a
// stranger can cut or break the stream, and the client against a hand-made
// HTTP/2 server that answers well, refuses, sends garbage or nothing.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { UnavailableError } from '../../src/errors.js';
import { DataChunkReader, WireFormatError } from '../../src/grpc/data-chunk-reader.js';
import { DownloadClient } from '../../src/grpc/download-client.js';
import { encodeDownloadRequest } from '../../src/grpc/download-wire.js';
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

/** A range through `client`: the bytes that came, and the error it ended with, if any. */
async function downloadAll(
  client: DownloadClient,
  address: string,
  range: { offset: number; length: number },
  timeoutMs: number,
  abort = new AbortController().signal,
): Promise<{ bytes: Buffer; error?: Error }> {
  const parts: Buffer[] = [];
  try {
    const batches = client.download(
      address,
      { sha256: 'ab'.repeat(32), ...range },
      { signal: abort, timeoutMs },
    );
    for await (const batch of batches) for (const p of batch) parts.push(Buffer.from(p.data));
    return { bytes: Buffer.concat(parts) };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error: error as Error };
  }
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
    // One Download call per range (DownloadRanges is tested below).
    const client = new DownloadClient((a) => {
      const { host, port } = splitHostPort(a);
      return netConnect({ host, port });
    }, false);
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

    const collect = (timeoutMs = 5000, abort?: AbortSignal) =>
      downloadAll(client, address, { offset: 7, length: 1000 }, timeoutMs, abort);

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

/** DownloadRequest's offset (field 2) and length (field 3). */
function rangeOf(body: Buffer): { offset: number; length: number } {
  const out = { offset: 0, length: 0 };
  let i = 0;
  const varintAt = (): number => {
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = body[i++]!;
      v += (b & 0x7f) * shift;
      if (b < 0x80) return v;
    }
  };
  while (i < body.length) {
    const tag = body[i++]!;
    if (tag === 0x0a) {
      const skip = varintAt();
      i += skip;
    } else if (tag === 0x10) out.offset = varintAt();
    else if (tag === 0x18) out.length = varintAt();
    else throw new Error(`unexpected tag ${tag}`);
  }
  return out;
}

describe('gRPC: the Download client on DownloadRanges streams', () => {
  let server: Http2Server;
  let address: string;
  const file = randomBytes(4000);
  /** Per stream: its path, the request bodies it carried, and how it ended. */
  let streams: { path: string; requests: Buffer[]; ended: boolean; closed: boolean }[];
  /** Answers one request on a DownloadRanges stream (the headers went out already). */
  let onRange: (stream: ServerHttp2Stream, range: { offset: number; length: number }) => void;
  /** Answers a DownloadRanges stream's opening; true when it took the call. */
  let onRangesCall: (stream: ServerHttp2Stream) => boolean;
  let client: DownloadClient;

  before(async () => {
    server = createServer();
    server.on('stream', (stream, headers) => {
      const seen = {
        path: String(headers[':path']),
        requests: [] as Buffer[],
        ended: false,
        closed: false,
      };
      streams.push(seen);
      stream.on('error', () => undefined);
      stream.on('close', () => (seen.closed = true));
      stream.on('end', () => {
        seen.ended = true;
        // The caller is done with the stream: so is this source.
        if (!stream.closed) stream.end();
      });
      let pending = Buffer.alloc(0);
      const serve = (body: Buffer): void => {
        seen.requests.push(body);
        if (seen.path.endsWith('/DownloadRanges')) onRange(stream, rangeOf(body));
        else {
          // Download: the range, then status OK.
          const { offset, length } = rangeOf(body);
          stream.respond(
            { ':status': 200, 'content-type': 'application/grpc' },
            { waitForTrailers: true },
          );
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(dataChunk(offset, file.subarray(offset, offset + length)));
        }
      };
      if (seen.path.endsWith('/DownloadRanges') && !onRangesCall(stream)) return;
      stream.on('data', (d: Buffer) => {
        pending = Buffer.concat([pending, d]);
        while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
          const size = pending.readUInt32BE(1);
          serve(pending.subarray(5, 5 + size));
          pending = pending.subarray(5 + size);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    streams = [];
    client = new DownloadClient((a) => {
      const { host, port } = splitHostPort(a);
      return netConnect({ host, port });
    });
    onRangesCall = (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      return true;
    };
    onRange = (stream, { offset, length }) =>
      stream.write(dataChunk(offset, file.subarray(offset, offset + length)));
  });
  afterEach(() => client.close());
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const collect = (offset: number, length: number, abort?: AbortSignal) =>
    downloadAll(client, address, { offset, length }, 5000, abort);

  it('asks for one range after another on one stream', async () => {
    const first = await collect(7, 1000);
    const second = await collect(1007, 2500);
    expect(first.error).to.equal(undefined);
    expect(second.error).to.equal(undefined);
    expect(first.bytes.equals(file.subarray(7, 1007))).to.equal(true);
    expect(second.bytes.equals(file.subarray(1007, 3507))).to.equal(true);
    expect(streams.map((s) => s.path)).to.deep.equal(['/p2p.v1.PeerService/DownloadRanges']);
    expect(streams[0]!.requests.map(rangeOf)).to.deep.equal([
      { offset: 7, length: 1000 },
      { offset: 1007, length: 2500 },
    ]);
  });

  it('ends a stream it has not used for a second, politely', async () => {
    expect((await collect(0, 100)).error).to.equal(undefined);
    const deadline = Date.now() + 5000;
    while (!streams[0]!.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(streams[0]!.ended, 'the client ended its side').to.equal(true);
  });

  /** Takes the call; the source's end() of the stream then sends status OK. */
  const endsWithOk = (stream: ServerHttp2Stream): boolean => {
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc' },
      { waitForTrailers: true },
    );
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    return true;
  };

  it('asks again on a new stream when the source ended a parked one as it was asked', async () => {
    // The source's idle limit runs out as the second range is asked: it ends the stream, OK.
    const served = new Set<ServerHttp2Stream>();
    onRange = (stream, { offset, length }) => {
      if (served.has(stream)) {
        stream.end();
        return;
      }
      served.add(stream);
      stream.write(dataChunk(offset, file.subarray(offset, offset + length)));
    };
    onRangesCall = endsWithOk;
    expect((await collect(7, 1000)).error).to.equal(undefined);
    const second = await collect(1007, 2500);
    expect(second.error).to.equal(undefined);
    expect(second.bytes.equals(file.subarray(1007, 3507))).to.equal(true);
    expect(streams.map((s) => s.requests.map(rangeOf))).to.deep.equal([
      [
        { offset: 7, length: 1000 },
        { offset: 1007, length: 2500 },
      ],
      [{ offset: 1007, length: 2500 }],
    ]);
  });

  it('does not ask again when a new stream is ended before its range', async () => {
    onRange = (stream) => stream.end();
    onRangesCall = endsWithOk;
    const { error } = await collect(7, 1000);
    expect(error).to.be.instanceOf(UnavailableError);
    expect(error?.message).to.match(/ended the stream/);
    expect(streams).to.have.length(1);
  });

  it('asks a source that answers UNIMPLEMENTED with Download from then on', async () => {
    onRangesCall = (stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' },
        { endStream: true },
      );
      return false;
    };
    const first = await collect(7, 1000);
    const second = await collect(1007, 100);
    expect(first.error).to.equal(undefined);
    expect(first.bytes.equals(file.subarray(7, 1007))).to.equal(true);
    expect(second.bytes.equals(file.subarray(1007, 1107))).to.equal(true);
    expect(streams.map((s) => s.path.split('/').pop())).to.deep.equal([
      'DownloadRanges',
      'Download',
      'Download',
    ]);
  });

  it('stops a source that sends more than the range, naming the fault', async () => {
    onRange = (stream, { offset, length }) =>
      stream.write(dataChunk(offset, file.subarray(offset, offset + length + 1)));
    const { error } = await collect(7, 1000);
    expect(error?.name).to.equal('UnavailableError');
    expect(error?.message).to.match(/broke the protocol: bytes at 7 where 7 was due/);
  });

  it('takes a refusal on the stream as the status says', async () => {
    onRange = (stream) => stream.close(0, () => undefined) as unknown as void;
    onRangesCall = (stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '8' },
        { endStream: true },
      );
      return false;
    };
    const { error } = await collect(7, 1000);
    expect(error?.name).to.equal('TooManyRequestsError');
  });

  it("resets a cancelled range's stream only: the next range opens another", async () => {
    onRange = (stream, { offset }) =>
      stream.write(dataChunk(offset, file.subarray(offset, offset + 10)));
    const controller = new AbortController();
    const reason = new Error('superseded');
    setTimeout(() => controller.abort(reason), 100);
    const cancelled = await collect(0, 1000, controller.signal);
    expect(cancelled.error).to.equal(reason);
    onRange = (stream, { offset, length }) =>
      stream.write(dataChunk(offset, file.subarray(offset, offset + length)));
    const next = await collect(0, 1000);
    expect(next.error).to.equal(undefined);
    expect(next.bytes.equals(file.subarray(0, 1000))).to.equal(true);
    // The cancelled range's stream is not reused: its unsent bytes would come first.
    expect(streams).to.have.length(2);
    expect(streams[0]!.closed, "the cancelled range's stream is gone").to.equal(true);
  });
});
