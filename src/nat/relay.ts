// Relaying, for two peers that cannot dial each other: the requester asks
// (Connect with relay) and dials this peer with the preface `relay` + token;
// the listening peer is told over its Listen stream to dial this peer with
// `answer` + the same token. When both legs are here they are piped byte for
// byte. TLS runs end to end between the two peers with their own keys, so a
// relay carries ciphertext only. Opt-in, with limits on streams, bytes, time.
import type { Socket } from 'node:net';
import { PermissionDeniedError, TooManyRequestsError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { plainHost } from '../net/addresses.js';
import { pipeSockets, type PipePace } from './pipe.js';
import { TokenTable } from './tokens.js';

export interface RelayInit {
  enabled: boolean;
  maxStreams: number;
  maxBytesPerStream: number;
  maxSeconds: number;
  /** How long a session waits for its two legs, ms. */
  pairMs: number;
}

interface Session {
  /** Where each leg must come from: the requester's host, the listener's host. */
  requesterHost: string;
  listenerHost: string;
  requester?: Socket;
  listener?: Socket;
}

export class Relay {
  private readonly sessions: TokenTable<Session>;
  private active = 0;
  /** Sees every chunk piped (tests check a relay sees only ciphertext). */
  tap: ((chunk: Buffer) => void) | undefined;

  constructor(
    private readonly c: { logger: Logger; metrics: Metrics; pace?: PipePace },
    private readonly init: RelayInit,
  ) {
    this.sessions = new TokenTable<Session>(init.pairMs, init.maxStreams, (s) => {
      s.requester?.destroy();
      s.listener?.destroy();
    });
  }

  get enabled(): boolean {
    return this.init.enabled;
  }

  /** Opens a session for `token`; throws when relaying is off or full. */
  open(token: string, requesterHost: string, listenerHost: string): void {
    if (!this.init.enabled) {
      this.c.metrics.relayRefused.inc({ reason: 'disabled' });
      throw new PermissionDeniedError('this peer does not relay (relay.enabled is false)');
    }
    if (this.active + this.sessions.size >= this.init.maxStreams) {
      this.c.metrics.relayRefused.inc({ reason: 'full' });
      throw new TooManyRequestsError(
        `this peer relays ${this.active} connections already (relay.maxStreams ${this.init.maxStreams})`,
      );
    }
    const session = {
      requesterHost: plainHost(requesterHost),
      listenerHost: plainHost(listenerHost),
    };
    if (!this.sessions.put(token, session)) {
      throw new TooManyRequestsError('that token is in use');
    }
  }

  /** Whether `token` names a session waiting for its legs. */
  has(token: string): boolean {
    return this.sessions.peek(token) !== undefined;
  }

  /**
   * A leg arrived with its preface read. False when it belongs to no session or comes
   * from the wrong host (the caller closes it).
   */
  attach(leg: 'requester' | 'listener', token: string, socket: Socket): boolean {
    const s = this.sessions.peek(token);
    const host = plainHost(socket.remoteAddress ?? '');
    if (!s || s[leg]) return false;
    if (host !== (leg === 'requester' ? s.requesterHost : s.listenerHost)) return false;
    s[leg] = socket;
    // Held, unread, until the other leg is here (TCP buffers the first bytes).
    socket.pause();
    if (!s.requester || !s.listener) return true;
    this.sessions.take(token);
    void this.pipe(s.requester, s.listener);
    return true;
  }

  private async pipe(a: Socket, b: Socket): Promise<void> {
    this.active++;
    this.c.metrics.relayStreams.set(this.active);
    const carried = await pipeSockets(
      a,
      b,
      { maxBytes: this.init.maxBytesPerStream, maxMs: this.init.maxSeconds * 1000 },
      (n) => this.c.metrics.relayBytes.inc(n),
      this.tap,
      this.c.pace,
    );
    this.active--;
    this.c.metrics.relayStreams.set(this.active);
    this.c.logger.debug({ bytes: carried }, 'relayed connection closed');
  }

  close(): void {
    this.sessions.clear();
  }
}
