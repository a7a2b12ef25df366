// The latest network search, shared by the Search view (which fills it) and
// the network map (which highlights the peers that answered).

export interface Holder {
  id: string;
  address: string;
  /** Names of the matching files it holds. */
  files: Set<string>;
}

let query = '';
const holders = new Map<string, Holder>();
const listeners = new Set<() => void>();

export function searchQuery(): string {
  return query;
}

export function searchHolders(): ReadonlyMap<string, Holder> {
  return holders;
}

export function onSearchChange(listener: () => void): void {
  listeners.add(listener);
}

function changed(): void {
  for (const listener of listeners) listener();
}

export function searchStarted(q: string): void {
  query = q;
  holders.clear();
  changed();
}

export function searchHit(peer: { id: string; address: string }, fileName: string): void {
  let holder = holders.get(peer.id);
  if (!holder) {
    holder = { id: peer.id, address: peer.address, files: new Set() };
    holders.set(peer.id, holder);
  }
  holder.files.add(fileName);
  changed();
}
