// "Network": this peer, its neighbors and the peers they report, with the
// round-trip time on each of this peer's links. The peers that answered the
// latest search are highlighted; a click (or Enter) on a peer shows its details.
import { api } from '../api.js';
import { showError } from '../errors.js';
import { byId, bytes, el } from '../format.js';
import { INNER, OUTER, layoutMap, type MapNode } from '../charts/map-layout.js';
import { searchHolders, searchQuery, onSearchChange } from '../search-state.js';
import { svg } from '../svg.js';
import { latestSample } from '../traffic.js';

interface PeerInfo {
  id: string;
  address: string;
  fingerprint?: string;
}

interface NetworkMap {
  self: PeerInfo;
  neighbors: (PeerInfo & {
    state: string;
    rttMs: number;
    direction: string;
    reported: PeerInfo[];
    error?: string;
  })[];
}

const REFRESH_MS = 5000;
let map: NetworkMap | undefined;
let selected: string | undefined;
let timer: number | undefined;

const visible = (): boolean => !byId('view-network').hidden && !document.hidden;

export function initNetwork(): void {
  onSearchChange(() => {
    if (visible()) draw();
  });
}

/** Called when the tab is shown, on peer events and on a timer while it is on screen. */
export async function refreshNetwork(): Promise<void> {
  window.clearTimeout(timer);
  if (!visible()) return;
  try {
    map = await api<NetworkMap>('/api/v1/network');
    draw();
  } catch (err) {
    showError(err);
  }
  timer = window.setTimeout(() => void refreshNetwork(), REFRESH_MS);
}

const ROLE_TEXT: Record<MapNode['role'], string> = {
  self: 'this peer',
  neighbor: 'neighbor',
  reported: 'reported by a neighbor',
  found: 'found by search',
};

function draw(): void {
  if (!map) return;
  const holders = searchHolders();
  const { nodes, links } = layoutMap({
    self: map.self,
    neighbors: map.neighbors.map((n) => ({
      id: n.id,
      address: n.address,
      rttMs: n.rttMs,
      reported: n.reported,
    })),
    found: [...holders.values()],
  });
  const at = new Map(nodes.map((n) => [n.id, n]));
  const linkShapes = links.map((l) => {
    const a = at.get(l.from)!;
    const b = at.get(l.to)!;
    const own = a.role === 'self';
    if (!own) {
      // Between two other peers: a curve bowed away from this peer, so it never runs through it.
      const mx = (a.x + b.x) / 2;
      const my = (a.y + b.y) / 2;
      const len = Math.hypot(mx, my);
      const [nx, ny] =
        len > 1
          ? [mx / len, my / len]
          : [
              (b.y - a.y) / Math.hypot(b.x - a.x, b.y - a.y),
              (a.x - b.x) / Math.hypot(b.x - a.x, b.y - a.y),
            ];
      const bow = 90;
      return svg(
        'g',
        { class: 'link' },
        svg('path', { d: `M${a.x} ${a.y} Q${mx + nx * bow} ${my + ny * bow} ${b.x} ${b.y}` }),
      );
    }
    return svg(
      'g',
      { class: 'link own' },
      svg('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y }),
      l.rttMs !== undefined
        ? svg(
            'text',
            // Beside the link's middle, not on it, where node labels sit.
            {
              x: (a.x + b.x) / 2 + (8 * -(b.y - a.y)) / Math.hypot(b.x - a.x, b.y - a.y),
              y: (a.y + b.y) / 2 + (8 * (b.x - a.x)) / Math.hypot(b.x - a.x, b.y - a.y) + 4,
              'text-anchor': (b.y - a.y) * -1 >= 0 ? 'start' : 'end',
              class: 'rtt',
            },
            `${l.rttMs} ms`,
          )
        : null,
    );
  });
  const nodeShapes = nodes.map((n) => {
    const holder = holders.get(n.id);
    const r = n.role === 'self' ? 26 : n.role === 'neighbor' ? 20 : 14;
    const label = `${n.id}: ${ROLE_TEXT[n.role]}${holder ? `, has ${holder.files.size} file(s) matching “${searchQuery()}”` : ''}`;
    const g = svg(
      'g',
      {
        class: `node ${n.role}${holder ? ' holder' : ''}${n.id === selected ? ' selected' : ''}`,
        'data-peer': n.id,
        transform: `translate(${n.x.toFixed(1)} ${n.y.toFixed(1)})`,
        tabindex: 0,
        role: 'button',
        'aria-label': label,
        'aria-pressed': String(n.id === selected),
      },
      holder ? svg('circle', { r: r + 6, class: 'halo' }) : null,
      svg('circle', { r }),
      svg('text', { y: r + 14, 'text-anchor': 'middle' }, n.id),
    );
    const choose = (): void => {
      selected = n.id;
      draw();
      (
        byId('network-map').querySelector(`[data-peer="${CSS.escape(n.id)}"]`) as SVGGElement | null
      )?.focus();
    };
    g.addEventListener('click', choose);
    g.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      choose();
    });
    return g;
  });
  const box = OUTER + 50;
  const host = byId('network-map');
  host.setAttribute('viewBox', `${-box} ${-box} ${2 * box} ${2 * box}`);
  host.replaceChildren(
    svg('circle', { r: INNER, class: 'ring' }),
    svg('circle', { r: OUTER, class: 'ring' }),
    ...linkShapes,
    ...nodeShapes,
  );
  const reported = nodes.filter((n) => n.role === 'reported').length;
  byId('network-summary').textContent =
    `${map.neighbors.length} neighbor${map.neighbors.length === 1 ? '' : 's'}, ` +
    `${reported} more peer${reported === 1 ? '' : 's'} they report` +
    (searchQuery() ? `; ${holders.size} answered “${searchQuery()}” (ringed)` : '');
  details(selected ? at.get(selected) : undefined);
}

function details(node: MapNode | undefined): void {
  const host = byId('peer-details');
  if (!node || !map) {
    host.replaceChildren(
      el('h2', {}, 'Peer details'),
      el('p', { class: 'muted' }, 'Select a peer on the map.'),
    );
    return;
  }
  const neighbor = map.neighbors.find((n) => n.id === node.id);
  const traffic = latestSample()?.peers.filter(
    (p) => p.peerId === node.id || p.address === node.address,
  );
  const down = traffic?.reduce((s, p) => s + p.downBytes, 0) ?? 0;
  const up = traffic?.reduce((s, p) => s + p.upBytes, 0) ?? 0;
  const files = [...(searchHolders().get(node.id)?.files ?? [])];
  const row = (term: string, value: string | Node): HTMLElement[] => [
    el('dt', {}, term),
    el('dd', {}, value),
  ];
  host.replaceChildren(
    el('h2', {}, node.id),
    el(
      'dl',
      { class: 'facts' },
      ...row('Role', ROLE_TEXT[node.role]),
      ...row('Address', node.address || '–'),
      ...row('Key', keyOf(map, node.id)),
      ...(neighbor
        ? [
            ...row('State', `${neighbor.state}, ${neighbor.direction}`),
            ...row('Round trip', neighbor.rttMs >= 0 ? `${neighbor.rttMs} ms` : '–'),
            ...(neighbor.error ? row('Report', `not available: ${neighbor.error}`) : []),
          ]
        : []),
      ...(node.reportedBy.length > 0 ? row('Reported by', node.reportedBy.join(', ')) : []),
      ...row(
        `Files matching “${searchQuery() || '…'}”`,
        files.length > 0 ? files.join(', ') : searchQuery() ? 'none' : 'no search yet',
      ),
      ...(node.role !== 'self'
        ? [...row('Fetched from it', bytes(down)), ...row('Pushed to it', bytes(up))]
        : []),
    ),
  );
}

/** A peer's key fingerprint: proven by the peer for this peer and its neighbors, else as reported. */
function keyOf(map: NetworkMap, id: string): string {
  if (map.self.id === id) return map.self.fingerprint || '–';
  const neighbor = map.neighbors.find((n) => n.id === id);
  if (neighbor) return neighbor.fingerprint || '– (plaintext wire)';
  const reported = map.neighbors.flatMap((n) => n.reported).find((p) => p.id === id);
  return reported?.fingerprint ? `${reported.fingerprint} (as reported)` : 'not known';
}
