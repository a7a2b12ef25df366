// Where each peer sits on the network map: this peer in the middle, its
// neighbors on a ring, and the peers they report on an outer ring next to
// whoever reported them, pushed apart so labels do not collide.

export type Role = 'self' | 'neighbor' | 'reported' | 'found';

export interface MapNode {
  id: string;
  address: string;
  role: Role;
  x: number;
  y: number;
  /** Neighbors that reported it (reported peers). */
  reportedBy: string[];
}

export interface MapLink {
  from: string;
  to: string;
  /** Round-trip time in ms, on this peer's own links; undefined elsewhere. */
  rttMs?: number;
}

export interface MapInput {
  self: { id: string; address: string };
  neighbors: {
    id: string;
    address: string;
    rttMs: number;
    reported: { id: string; address: string }[];
  }[];
  /** Peers a search found that the map does not otherwise show. */
  found: { id: string; address: string }[];
}

export const INNER = 120;
export const OUTER = 230;
/** Least angle between two outer peers, radians. */
const MIN_GAP = 0.3;

export function layoutMap(input: MapInput): { nodes: MapNode[]; links: MapLink[] } {
  const nodes = new Map<string, MapNode>();
  const links: MapLink[] = [];
  nodes.set(input.self.id, { ...input.self, role: 'self', x: 0, y: 0, reportedBy: [] });
  const angleOf = new Map<string, number>();
  input.neighbors.forEach((n, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, input.neighbors.length);
    angleOf.set(n.id, angle);
    nodes.set(n.id, {
      id: n.id,
      address: n.address,
      role: 'neighbor',
      x: INNER * Math.cos(angle),
      y: INNER * Math.sin(angle),
      reportedBy: [],
    });
    links.push({ from: input.self.id, to: n.id, ...(n.rttMs >= 0 ? { rttMs: n.rttMs } : {}) });
  });
  // Peers a neighbor reports: one node each, however many report it.
  const outer = new Map<string, { id: string; address: string; by: string[] }>();
  for (const n of input.neighbors) {
    for (const p of n.reported) {
      if (p.id === input.self.id) continue;
      if (nodes.has(p.id)) {
        // Two neighbors that know each other: a link between them.
        if (nodes.get(p.id)!.role === 'neighbor' && n.id < p.id)
          links.push({ from: n.id, to: p.id });
        continue;
      }
      const entry = outer.get(p.id) ?? { id: p.id, address: p.address, by: [] };
      entry.by.push(n.id);
      outer.set(p.id, entry);
    }
  }
  for (const f of input.found) {
    if (!nodes.has(f.id) && !outer.has(f.id) && f.id !== input.self.id) {
      outer.set(f.id, { ...f, by: [] });
    }
  }
  const placed = [...outer.values()].map((o) => {
    const angles = o.by.map((id) => angleOf.get(id)!);
    const angle =
      angles.length > 0
        ? Math.atan2(
            angles.reduce((s, a) => s + Math.sin(a), 0),
            angles.reduce((s, a) => s + Math.cos(a), 0),
          )
        : Math.PI / 2;
    return { ...o, angle };
  });
  placed.sort((a, b) => a.angle - b.angle);
  for (let i = 1; i < placed.length; i++) {
    placed[i]!.angle = Math.max(placed[i]!.angle, placed[i - 1]!.angle + MIN_GAP);
  }
  for (const p of placed) {
    nodes.set(p.id, {
      id: p.id,
      address: p.address,
      role: p.by.length > 0 ? 'reported' : 'found',
      x: OUTER * Math.cos(p.angle),
      y: OUTER * Math.sin(p.angle),
      reportedBy: p.by,
    });
    for (const by of p.by) links.push({ from: by, to: p.id });
  }
  return { nodes: [...nodes.values()], links };
}
