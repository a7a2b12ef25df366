// What a stranger can make the NAT part do, and what it cannot: DialBack goes
// only to the caller's own address and is rate-limited, Listen is for
// neighbors only, Connect checks its token and target, a relay that is off
// says so, and the preface is bounded in time and form; a neighbor's dial
// orders name an IP or nothing. Plus the pieces alone: the preface reader
// and the token table.
import { expect } from 'chai';
import {
  credentials,
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { connect, type Socket } from 'node:net';
import { unaryCall, deadline } from '../../src/grpc/clients.js';
import { GrpcNatTransport } from '../../src/grpc/nat-transport.js';
import { PeerClientPool } from '../../src/grpc/peer-clients.js';
import { loadProto } from '../../src/grpc/proto.js';
import type { DialOrder } from '../../src/nat/types.js';
import { encodePreface, PREFACE_BYTES, readPreface } from '../../src/nat/preface.js';
import { TokenTable } from '../../src/nat/tokens.js';
import { bindLoopback } from '../fixtures/grpc.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { strangerClient } from '../fixtures/stranger.js';
import { socketPair } from '../fixtures/sockets.js';

const TOKEN = 'ab'.repeat(16);

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return GrpcStatus.OK;
  } catch (err) {
    return (err as ServiceError).code;
  }
}

describe('NAT: hostile input', function () {
  this.timeout(30_000);

  describe('the preface', () => {
    it('is read exactly, leaving what follows on the socket', async () => {
      const [a, b] = await socketPair();
      a.write(Buffer.concat([encodePreface('relay', TOKEN), Buffer.from('after')]));
      const p = await readPreface(b, 1000);
      expect(p).to.deep.equal({ kind: 'relay', token: TOKEN });
      const rest = await new Promise<Buffer>((r) => b.once('data', r));
      expect(rest.toString()).to.equal('after');
      a.destroy();
      b.destroy();
    });

    it('refuses a wrong magic, an unknown kind, silence and a close', async () => {
      const cases: [string, (s: Socket) => void, number][] = [
        ['magic', (s) => s.write(Buffer.alloc(PREFACE_BYTES, 1)), 1000],
        [
          'kind',
          (s) => {
            const p = encodePreface('relay', TOKEN);
            p[5] = 9;
            s.write(p);
          },
          1000,
        ],
        ['silence', () => undefined, 200],
        ['half then close', (s) => s.end(encodePreface('relay', TOKEN).subarray(0, 7)), 1000],
      ];
      for (const [what, act, ms] of cases) {
        const [a, b] = await socketPair();
        act(a);
        const err = await readPreface(b, ms).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err, what).to.be.instanceOf(Error);
        a.destroy();
        b.destroy();
      }
    });
  });

  describe('tokens', () => {
    it('are single use, expire, and are bounded in number', async () => {
      const expired: number[] = [];
      const t = new TokenTable<number>(50, 2, (v) => expired.push(v));
      const one = t.issue(1)!;
      expect(one).to.match(/^[0-9a-f]{32}$/);
      expect(t.issue(2)).to.be.a('string');
      expect(t.issue(3), 'over the bound').to.equal(undefined);
      expect(t.take(one)).to.equal(1);
      expect(t.take(one), 'second use').to.equal(undefined);
      await new Promise((r) => setTimeout(r, 80));
      expect(expired).to.deep.equal([2]);
      expect(t.size).to.equal(0);
    });
  });

  describe('a daemon', () => {
    let peer: TestPeer;
    before(async () => {
      peer = await startPeer({ id: 'victim' });
    });
    after(() => peer.stop());

    it('DialBack dials only the caller, and at most a few times in a row', async () => {
      const client = strangerClient(peer.grpcAddress);
      try {
        const codes: number[] = [];
        const answers: string[] = [];
        for (let i = 0; i < 5; i++) {
          try {
            const res = await unaryCall<{ reachable: boolean; address: string }>((cb) =>
              client.DialBack({ port: 9 }, { deadline: deadline(5000) }, cb),
            );
            answers.push(res.address);
            codes.push(GrpcStatus.OK);
          } catch (err) {
            codes.push((err as ServiceError).code);
          }
        }
        // The address is the caller's own IP, whatever port it names.
        for (const a of answers) expect(a).to.equal('127.0.0.1:9');
        expect(codes.slice(0, 3)).to.deep.equal([0, 0, 0]);
        expect(codes.slice(3)).to.deep.equal([
          GrpcStatus.RESOURCE_EXHAUSTED,
          GrpcStatus.RESOURCE_EXHAUSTED,
        ]);
        expect(
          await codeOf(
            unaryCall((cb) => client.DialBack({ port: 0 }, { deadline: deadline(2000) }, cb)),
          ),
        ).to.equal(GrpcStatus.INVALID_ARGUMENT);
      } finally {
        client.close();
      }
    });

    it('Listen is refused to a key that is not a neighbor', async () => {
      const client = strangerClient(peer.grpcAddress);
      try {
        const call = client.Listen({
          peer: { id: 'x', address: '127.0.0.1:9', protocolVersion: 1, version: '' },
        });
        const code = await new Promise<number>((resolve) => {
          call.on('error', (e: ServiceError) => resolve(e.code));
          call.on('data', () => resolve(GrpcStatus.OK));
        });
        expect(code).to.equal(GrpcStatus.PERMISSION_DENIED);
      } finally {
        client.close();
      }
    });

    it('Connect checks its token and target', async () => {
      const client = strangerClient(peer.grpcAddress);
      const connectCode = (req: object): Promise<number> =>
        codeOf(unaryCall((cb) => client.Connect(req, { deadline: deadline(2000) }, cb)));
      const target = peer.daemon.wire.fingerprint;
      try {
        expect(await connectCode({ target, token: Buffer.alloc(3), port: 9 })).to.equal(
          GrpcStatus.INVALID_ARGUMENT,
        );
        expect(await connectCode({ target: 'nobody', token: Buffer.alloc(16), port: 9 })).to.equal(
          GrpcStatus.INVALID_ARGUMENT,
        );
        expect(await connectCode({ target, token: Buffer.alloc(16), port: 9 })).to.equal(
          GrpcStatus.NOT_FOUND,
        );
      } finally {
        client.close();
      }
    });

    it('a prefaced connection with an unknown token, or none in time, is closed', async () => {
      const [host, port] = [
        '127.0.0.1',
        Number(peer.grpcAddress.slice(peer.grpcAddress.lastIndexOf(':') + 1)),
      ];
      for (const payload of [encodePreface('answer', TOKEN), encodePreface('relay', TOKEN)]) {
        const s = connect(port, host);
        s.on('error', () => undefined);
        s.write(payload);
        await new Promise((r) => s.once('close', r));
      }
      const silent = connect(port, host);
      silent.on('error', () => undefined);
      silent.write(Buffer.from([0]));
      const started = Date.now();
      await new Promise((r) => silent.once('close', r));
      const held = Date.now() - started;
      expect(held).to.be.within(4000, 8000);
      // The daemon is unharmed.
      await waitFor(() => peer.daemon.status().id === 'victim');
    });
  });
  describe("a neighbor's dial orders", () => {
    it('are passed on only with an IP literal or no host, never a name to resolve', async () => {
      const token = Buffer.from(TOKEN, 'hex');
      const sent = [
        { token: Buffer.alloc(0), host: '', port: 0, localPort: 0 }, // "accepted"
        { token, host: 'localhost', port: 1, localPort: 0 },
        { token, host: 'evil.example', port: 2, localPort: 0 },
        { token, host: '10.0.0.1; rm -rf', port: 3, localPort: 0 },
        { token, host: '127.0.0.1', port: 4, localPort: 0 },
        { token, host: '::1', port: 5, localPort: 0 },
        { token, host: '', port: 6, localPort: 0 },
      ];
      const server = new Server();
      server.addService(loadProto().proto.p2p.v1.PeerService.service, {
        Listen: (call: ServerWritableStream<unknown, unknown>) => {
          for (const order of sent) call.write(order);
          call.end();
        },
      });
      const address = await bindLoopback(server, ServerCredentials.createInsecure());
      const pool = new PeerClientPool(() => credentials.createInsecure());
      const orders: DialOrder[] = [];
      try {
        await new GrpcNatTransport(pool).listen(
          address,
          { id: 'n', address: '127.0.0.1:1', protocolVersion: 1, version: 'test' },
          { onAccepted: () => undefined, onOrder: (o) => orders.push(o) },
          new AbortController().signal,
        );
      } finally {
        pool.closeAll();
        server.forceShutdown();
      }
      expect(orders.map((o) => `${o.host}:${o.port}`)).to.deep.equal([
        '127.0.0.1:4',
        '::1:5',
        ':6',
      ]);
    });
  });
});
