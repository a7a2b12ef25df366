// The gRPC listener: PeerService, ControlService, health and reflection on one port.
// The TCP listener is ours and hands each admitted connection to grpc-js, so what a
// remote side can hold (connections per address, silent sockets) is bounded here.
// A connection that opens with a TLS handshake gets TLS with this peer's key (peers,
// grpcurl -insecure); any other speaks plaintext HTTP/2 (grpcurl -plaintext on this
// host), which PeerService refuses unless peers are plaintext by configuration.
// A connection that opens with the NAT preface (0x00) is a reverse or relayed
// one: src/nat takes it. And a peer behind NAT serves on connections it opened
// itself (serveOutbound), exactly as on those it accepted.
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type Server as TlsServer,
  type TLSSocket,
} from 'node:tls';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Core, Startable } from '../core.js';
import { UnavailableError } from '../errors.js';
import { ConnectionGuard, LISTEN_BACKLOG } from '../net/connection-guard.js';
import { controlServiceHandlers } from './control-service.js';
import { withEncodedDataChunks } from './data-chunk-wire.js';
import { peerServiceHandlers } from './peer-service.js';
import { addLazyReflection } from './lazy-reflection.js';
import { loadProto } from './proto.js';
import { joinHostPort } from '../net/addresses.js';
import { PREFACE_BYTE } from '../nat/preface.js';
import type { PeerWire } from '../identity/peer-wire.js';

/** The first byte of a TLS handshake record. */
const TLS_HANDSHAKE = 0x16;

/** A connection must start talking HTTP/2 within this, ms. */
const FIRST_BYTES_MS = 10_000;
/** A connection with no call this long is closed (GOAWAY); peers reconnect as needed, ms. */
const MAX_CONNECTION_IDLE_MS = 300_000;

/** Health is reported for the whole server ('') and for each of our services. */
const HEALTH_NAMES = ['', 'p2p.v1.PeerService', 'p2p.v1.ControlService'];

export interface GrpcServerInit {
  host: string;
  port: number;
  /** How long graceful shutdown may take before calls are cut, ms (default 600). */
  shutdownTimeoutMs?: number;
  /** This peer's key and the network's CA, for TLS connections. */
  wire: PeerWire;
}

export class GrpcServer implements Startable {
  private server: Server | undefined;
  private listener: NetServer | undefined;
  private guard: ConnectionGuard | undefined;
  private tls: TlsServer | undefined;
  /** Numbers the connections this peer opened and serves on (see serveOutbound). */
  private outbound = 0;
  private readonly outboundPorts = new WeakMap<Socket, number>();
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  /** The bound port, once started. */
  port = 0;

  constructor(
    private readonly core: Core,
    private readonly init: GrpcServerInit,
  ) {}

  async start(): Promise<void> {
    const { proto } = loadProto();
    const server = new Server({
      'grpc.max_receive_message_length': 8 * 1024 * 1024,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_connection_idle_ms': MAX_CONNECTION_IDLE_MS,
    });
    server.addService(
      withEncodedDataChunks(proto.p2p.v1.PeerService.service),
      peerServiceHandlers(this.core),
    );
    server.addService(proto.p2p.v1.ControlService.service, controlServiceHandlers(this.core));
    this.health.addToServer(server);
    addLazyReflection(server);
    const { grpc } = this.core.config;
    const closed = this.core.metrics.connectionsClosed;
    const guard = new ConnectionGuard(
      {
        maxPerAddress: grpc.maxConnectionsPerIp,
        maxTotal: grpc.maxConnections,
        firstBytesMs: FIRST_BYTES_MS,
        activity: 'bytes',
      },
      (reason) => closed.inc({ listener: 'grpc', reason }),
    );
    const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
    const tls = this.tlsServer((socket) => {
      // A handshake that ends after stop() has no server to go to.
      if (!this.server) return void socket.destroy();
      // Node keeps the TCP socket a server-side TLS socket wraps as `_parent`.
      const raw = (socket as unknown as { _parent?: Socket })._parent;
      const port = raw && this.outboundPorts.get(raw);
      if (port) Object.defineProperty(socket, 'remotePort', { value: port });
      this.init.wire.trackTls(socket);
      injector.injectConnection(socket);
    });
    const listener = createServer({ noDelay: true }, (socket) => {
      if (!guard.admit(socket)) return;
      // grpc-js gives each connection an HTTP/2 session (buffers, timers, a SETTINGS
      // frame) at once; a socket that never speaks should cost no more than itself.
      // Node's HTTP/2 session (and TLS) take over the bytes already buffered on the socket.
      socket.once('readable', () => {
        if (socket.readableLength === 0 || socket.destroyed) return;
        const first = socket.read(1) as Buffer | null;
        if (!first) return;
        socket.unshift(first);
        if (!this.server) socket.destroy();
        else if (first[0] === TLS_HANDSHAKE) tls.emit('connection', socket);
        else if (first[0] === PREFACE_BYTE) this.core.nat.accept(socket);
        else injector.injectConnection(socket);
      });
    });
    const target = joinHostPort(this.init.host, this.init.port);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', (err: NodeJS.ErrnoException) => {
        guard.close();
        server.forceShutdown();
        reject(
          new UnavailableError(`cannot listen for gRPC on ${target}: ${listenProblem(err)}`, {
            cause: err,
          }),
        );
      });
      listener.listen({ port: this.init.port, host: this.init.host, backlog: LISTEN_BACKLOG }, () =>
        resolve(),
      );
    });
    this.port = (listener.address() as AddressInfo).port;
    this.tls = tls;
    this.listener = listener;
    this.guard = guard;
    this.server = server;
    for (const name of HEALTH_NAMES) this.health.setStatus(name, 'SERVING');
  }

  /**
   * Serves PeerService over TLS (this peer the TLS server) on a connection this
   * peer opened: a peer behind NAT answering a request to dial out. Calls on it are
   * attributed by `remoteAddress:remotePort`, which here is the other peer's listening
   * port, shared by every connection to it; each gets a distinct port number beyond
   * TCP's range instead, so two such connections never share (or drop) a caller's key.
   */
  serveOutbound(socket: Socket): void {
    const tls = this.tls;
    if (!tls || !this.server) return void socket.destroy();
    this.outboundPorts.set(socket, 65536 + (this.outbound++ % 1_000_000));
    tls.emit('connection', socket);
  }

  /** Handshakes only (it never listens): each secured socket goes to `onSecure`. */
  private tlsServer(onSecure: (socket: TLSSocket) => void): TlsServer {
    const tls = createTlsServer(this.init.wire.serverOptions(), onSecure);
    tls.on('tlsClientError', (_err, socket) => socket.destroy());
    return tls;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const name of HEALTH_NAMES) this.health.setStatus(name, 'NOT_SERVING');
    this.listener?.close();
    this.listener = undefined;
    const guard = this.guard;
    this.guard = undefined;
    guard?.close();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, this.init.shutdownTimeoutMs ?? 600);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    // grpc-js closes the sessions it has; a socket it never got would stay open for good.
    guard?.destroyAll();
  }
}

/** A failed listen in plain words. */
export function listenProblem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'address already in use';
    case 'EADDRNOTAVAIL':
      return 'address not available on this host';
    case 'EACCES':
      return 'permission denied';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    default:
      return err.message;
  }
}
