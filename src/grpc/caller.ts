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

/** The key a TLS peer proved ('' when none: plaintext, or no certificate from the network CA). */
export function certificateKey(auth: AuthContext | undefined): string {
  const raw = auth?.sslPeerCertificate?.raw;
  return raw ? fingerprintOfCertificate(raw) : '';
}

export function callerOf(call: AnyCall): Caller {
  return { host: callerHost(call.getPeer()), fingerprint: certificateKey(call.getAuthContext()) };
}

type AnyCall = { getPeer(): string; getAuthContext(): AuthContext };

/**
 * PeerService guard: a caller must have proved a key certified for this network
 * (TLS), unless this peer talks plaintext to peers by configuration.
 */
export function peerGuard(wire: { plaintext: boolean }) {
  return (call: AnyCall): void => {
    if (wire.plaintext) return;
    if (!certificateKey(call.getAuthContext())) {
      throw new UnauthenticatedError(
        'peers must connect with TLS and a key certified for this network (a plaintext peer, or another network?)',
      );
    }
  };
}
