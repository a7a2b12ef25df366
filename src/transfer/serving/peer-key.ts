// Who a remote peer is, for upload slots and per-peer byte counts. For now
// the host it calls from (or, for a source, the host of its address): one
// function, so that attribution can move to TLS identities (a certificate
// fingerprint) in one place.
import { plainHost, splitHostPort } from '../../net/addresses.js';

/** What is known of a remote peer: the host it calls from or is reached at. */
export interface RemotePeer {
  host: string;
}

/** The key a remote peer is counted and ranked under. */
export function peerKey(remote: RemotePeer): string {
  return plainHost(remote.host).toLowerCase();
}

/** The key of the peer at a gRPC address (host:port). */
export function peerKeyOfAddress(address: string): string {
  // A bare host (bytes pushed to us are counted by the caller's host).
  if (!/:\d+$/.test(address)) return peerKey({ host: address });
  return peerKey({ host: splitHostPort(address).host });
}
