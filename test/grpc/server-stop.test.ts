// A peer's gRPC listener on stop: connections it accepted that grpc-js never
// took (a client that has not spoken yet, one in the middle of its TLS
// handshake) are closed too, not left open until the other side gives up.
import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';

/** A raw TCP connection to `address` (host:port), once it is up. */
function open(address: string): Promise<Socket> {
  const at = address.lastIndexOf(':');
  const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` closes; rejects if it is still open after `ms`. */
function closesWithin(socket: Socket, ms: number, what: string): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('gRPC listener stop', () => {
  let peer: TestPeer | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await peer?.stop();
    peer = undefined;
  });

  it('closes connections grpc-js never took: one silent, one in its TLS handshake', async () => {
    peer = await startPeer({ id: 'stopper' });
    const silent = await open(peer.grpcAddress);
    const handshaking = await open(peer.grpcAddress);
    sockets.push(silent, handshaking);
    silent.on('error', () => undefined);
    handshaking.on('error', () => undefined);
    // A TLS record header that promises 255 bytes, then nothing more.
    handshaking.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff]));
    // A call answered on a later connection: the listener accepts in order, so both are in.
    const client = createControlClient(peer.grpcAddress);
    try {
      await new Promise<void>((resolve, reject) =>
        client.ListPeers({}, { deadline: deadline(5000) }, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    } finally {
      client.close();
    }
    const stopped = peer.stop();
    peer = undefined;
    await stopped;
    // Before, both stayed open for good: the first-bytes timer was cleared, the TLS one 10 s.
    await Promise.all([
      closesWithin(silent, 2000, 'the silent connection'),
      closesWithin(handshaking, 2000, 'the handshaking connection'),
    ]);
    expect(silent.closed && handshaking.closed).to.equal(true);
  });
});
