// Who is on the other end of a call: the host its connection comes from, and
// the key it proved in the TLS handshake. Everything a peer asks is attributed
// to these, never to ids it writes into requests.
import { UnauthenticatedError } from '../errors.js';
import { fingerprintOfCertificate } from '../identity/fingerprint.js';
import { callerHost } from './handle.js';

/** What grpc-js's getAuthContext() answers on either side of a call. */
export type AuthContext = { sslPeerCertificate?: { raw?: Buffer } } | null;

export interface Caller {
  host: string;
  /** The fingerprint of the key the caller proved; '' on a plaintext connection. */
  fingerprint: string;
}

/** The key a TLS server proved to us, from a client call's auth context ('' in plaintext). */
export function certificateKey(auth: AuthContext | undefined): string {
  const raw = auth?.sslPeerCertificate?.raw;
  return raw ? fingerprintOfCertificate(raw) : '';
}

/** Who is calling: its host, and the key it proved over TLS (read once per connection). */
export function callerOf(call: { getPeer(): string }, wire: PeerKeyLookup): Caller {
  const peer = call.getPeer();
  return { host: callerHost(peer), fingerprint: wire.keyOf(peer) };
}

/** The listener's record of which connection proved which key. */
export interface PeerKeyLookup {
  keyOf(peer: string): string;
}

/**
 * PeerService guard: a caller must have proved a key certified for this network
 * (TLS), unless this peer talks plaintext to peers by configuration.
 */
export function peerGuard(wire: PeerKeyLookup & { plaintext: boolean }) {
  return (call: { getPeer(): string }): void => {
    if (wire.plaintext) return;
    if (!wire.keyOf(call.getPeer())) {
      throw new UnauthenticatedError(
        'peers must connect with TLS and a key certified for this network (a plaintext peer, or another network?)',
      );
    }
  };
}
