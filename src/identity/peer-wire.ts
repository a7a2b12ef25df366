// The wire between peers: TLS 1.3 with this peer's key on both sides of every
// connection, each side checking that the other's certificate chains to the
// network CA, and the other's key is what names it. Plaintext only by an
// explicit opt-in (grpc.plaintextPeers), logged loudly.
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  connect as tlsConnect,
  type PeerCertificate,
  type TlsOptions,
  type TLSSocket,
} from 'node:tls';
import { plainHost, splitHostPort } from '../net/addresses.js';
import type { Startable } from '../core.js';
import type { Logger } from '../logger.js';
import type { PeerKeys } from '../overlay/types.js';
import { fingerprintOfCertificate } from './fingerprint.js';
import { identityDir, loadPeerIdentity, type PeerIdentity } from './peer-identity.js';
import { PinStore } from './pins.js';

export interface PeerWireInit {
  dataDir: string;
  /** The private network's secret; none for the public network. */
  secret?: string;
  /** Talk to peers in plaintext (no identities): an explicit, logged opt-in. */
  plaintext: boolean;
  /** Called when a call is refused for claiming an id pinned to another key. */
  onKeyConflict?: () => void;
}

/** The name TLS sends (an IP address is not allowed there, RFC 6066); the key is what counts. */
export const PEER_SERVERNAME = 'p2pd';

/** Most addresses whose expected key is remembered. */
const MAX_EXPECTED = 4096;

export class PeerWire implements Startable, PeerKeys {
  private id: PeerIdentity | undefined;
  private readonly pins: PinStore;
  /** The key expected at an address (a neighbor's), checked during the handshake. */
  private readonly expected = new Map<string, string>();
  /** Open TLS connections to the gRPC listener (as grpc-js names a call's peer) and their keys. */
  private readonly tlsPeers = new Map<string, string>();

  constructor(
    private readonly logger: Logger,
    private readonly init: PeerWireInit,
  ) {
    this.pins = new PinStore(identityDir(init.dataDir), logger, init.onKeyConflict);
  }

  get plaintext(): boolean {
    return this.init.plaintext;
  }

  /** This peer's key fingerprint ('' before start). */
  get fingerprint(): string {
    return this.id?.fingerprint ?? '';
  }

  /** `public`, `private <id>`, or `plaintext`. */
  get network(): string {
    if (this.init.plaintext) return 'plaintext';
    return this.id?.network ?? '';
  }

  get identity(): PeerIdentity {
    if (!this.id) throw new Error('the peer identity is loaded by start()');
    return this.id;
  }

  async start(): Promise<void> {
    this.id = await loadPeerIdentity(this.init.dataDir, this.init.secret);
    await this.pins.load();
    if (this.init.plaintext) {
      this.logger.warn(
        'PLAINTEXT PEER WIRE (grpc.plaintextPeers: true): file bytes, searches and peer ids travel ' +
          'unencrypted and unauthenticated; anyone on the path can read them and anyone can claim any peer id',
      );
    }
    this.logger.info(
      { fingerprint: this.id.fingerprint, network: this.network },
      `peer key ${this.id.fingerprint} (${this.network} network)`,
    );
  }

  async stop(): Promise<void> {
    await this.pins.close();
  }

  bind(id: string, fingerprint: string): string | undefined {
    return this.pins.bind(id, fingerprint);
  }

  /**
   * Records a TLS connection to the listener while it is open, with the key its peer
   * proved ('' when it presented no certificate from the network CA, as grpcurl). Read
   * once here, not per call: parsing the certificate on every Download cost the source
   * ~0.4 CPU-s per GiB served.
   */
  trackTls(socket: TLSSocket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const raw = socket.authorized ? socket.getPeerCertificate().raw : undefined;
    this.tlsPeers.set(peer, raw ? fingerprintOfCertificate(raw) : '');
    socket.once('close', () => this.tlsPeers.delete(peer));
  }

  /** Whether a call's peer (`host:port` as grpc-js gives it) came over TLS. */
  overTls(peer: string): boolean {
    return this.tlsPeers.has(normalPeer(peer));
  }

  /** The key a call's peer proved over TLS; '' on plaintext or without a network certificate. */
  keyOf(peer: string): string {
    return this.tlsPeers.get(normalPeer(peer)) ?? '';
  }

  /** Expect `fingerprint` at `address` from now on (a neighbor's key); '' forgets. */
  expect(address: string, fingerprint: string): void {
    this.expected.delete(address);
    if (!fingerprint) return;
    this.expected.set(address, fingerprint);
    if (this.expected.size > MAX_EXPECTED) {
      this.expected.delete(this.expected.keys().next().value!);
    }
  }

  /** The key expected at `address` ('' when none). */
  expectedAt(address: string): string {
    return this.expected.get(address) ?? '';
  }

  /**
   * Credentials for calls to the peer at `address`, checking the key expected there
   * or else `fallbackKey` (the key a peer behind NAT is reached by).
   */
  credentials(address: string, fallbackKey = ''): ChannelCredentials {
    if (this.init.plaintext) return credentials.createInsecure();
    const id = this.identity;
    return credentials.createSsl(
      Buffer.from(id.caPem),
      Buffer.from(id.keyPem),
      Buffer.from(id.certPem),
      { checkServerIdentity: (_host, cert) => this.checkKey(address, cert, fallbackKey) },
    );
  }

  /**
   * A connection to the peer at `address` as `credentials` would make it, for
   * clients that speak HTTP/2 themselves (the fetch side of Download). `via`
   * is where to dial instead (`unix:<path>`: the NAT part's proxy for a peer
   * behind NAT); TLS and its key check stay end to end.
   */
  dial(address: string, via = address, fallbackKey = ''): Duplex {
    const to = via.startsWith('unix:')
      ? { path: via.slice('unix:'.length) }
      : (({ host, port }) => ({ host: plainHost(host), port }))(splitHostPort(via));
    if (this.init.plaintext) return netConnect(to).setNoDelay(true);
    const id = this.identity;
    const socket = tlsConnect({
      ...to,
      key: id.keyPem,
      cert: id.certPem,
      ca: id.caPem,
      servername: PEER_SERVERNAME,
      minVersion: 'TLSv1.3',
      ALPNProtocols: ['h2'],
      checkServerIdentity: (_host, cert) => this.checkKey(address, cert, fallbackKey),
    });
    return socket.setNoDelay(true);
  }

  /**
   * The chain to the network CA is checked by TLS; the name in it means
   * nothing (peers have no host names), the key everything.
   */
  private checkKey(address: string, cert: PeerCertificate, fallbackKey: string): Error | undefined {
    const want = this.expected.get(address) || fallbackKey;
    if (!want) return undefined;
    const got = fingerprintOfCertificate(cert.raw);
    return got === want
      ? undefined
      : new Error(`the peer at ${address} presented key ${got}, not ${want}`);
  }

  /** TLS server options for the gRPC listener: see serverTls. */
  serverOptions(): TlsOptions {
    return serverTls(this.identity);
  }
}

/** TLS server options for a peer listener; peers must present a certificate, others may not. */
export function serverTls(id: PeerIdentity): TlsOptions {
  return {
    key: id.keyPem,
    cert: id.certPem,
    ca: id.caPem,
    minVersion: 'TLSv1.3',
    // AES-128-GCM first (as Go's TLS prefers with AES-NI): the cheapest per byte here.
    ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
    honorCipherOrder: true,
    ALPNProtocols: ['h2'],
    requestCert: true,
    // A client without a certificate (grpcurl -insecure) may use ControlService
    // under its token rule; PeerService refuses calls that are not authenticated.
    rejectUnauthorized: false,
    handshakeTimeout: 10_000,
  };
}

/** `ipv4:1.2.3.4:5` or `[::1]:5` as `1.2.3.4:5` and `::1:5`, the form sockets give. */
function normalPeer(peer: string): string {
  return peer.replace(/^ipv[46]:/, '').replace(/^\[(.*)\]:(\d+)$/, '$1:$2');
}
