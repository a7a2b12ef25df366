// The overlay as the transfer core's source finder: a network search by
// name, or by hash (a query that is a whole sha256 matches that file on
// every peer; routing tables list each file's hash, so it is routed to the
// holders), and neighbor ids as push targets.
import type { Overlay } from '../overlay/overlay.js';
import type { FindSources, ResolvePeer, SourceHit } from './types.js';

type Searcher = Pick<Overlay, 'collect' | 'self'>;

export function overlaySources(overlay: Searcher): FindSources {
  return async (query, signal) => {
    const text = 'sha256' in query ? query.sha256 : query.name;
    const { hits } = await overlay.collect(text, { signal });
    const self = overlay.self?.id;
    const out: SourceHit[] = [];
    for (const hit of hits) {
      if (hit.peer.id === self) continue;
      if ('sha256' in query && hit.file.sha256 !== query.sha256) continue;
      out.push({
        peerId: hit.peer.id,
        address: hit.peer.address,
        sha256: hit.file.sha256,
        name: hit.file.names[0] ?? '',
        size: hit.file.size,
      });
    }
    return out;
  };
}

export function overlayPeerResolver(overlay: Pick<Overlay, 'neighbors'>): ResolvePeer {
  return (idOrAddress) => overlay.neighbors().find((n) => n.peer.id === idOrAddress)?.peer.address;
}

/** Names a source given by address after the neighbor there. */
export function overlayPeerNamer(
  overlay: Pick<Overlay, 'peerIdAt'>,
): (address: string) => string | undefined {
  return (address) => overlay.peerIdAt(address);
}
