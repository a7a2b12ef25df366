// The piece bar of a fetch: one cell per chunk, coloured by the source that
// delivered it, as one rect per run of chunks from the same origin.
import { el } from '../format.js';
import { colorClass, svg } from '../svg.js';

export interface ChunkSourceMap {
  count: number;
  sources: { peerId: string; address: string }[];
  /** [origin, chunks]: an index into sources, -1 missing, -2 found on disk. */
  runs: [number, number][];
}

const MISSING = -1;
const KEPT = -2;

const sourceName = (s: { peerId: string; address: string }): string => s.peerId || s.address;

function originClass(origin: number): string {
  return origin === MISSING ? 'missing' : origin === KEPT ? 'kept' : colorClass(origin);
}

/** The bar and its legend (chunks per source), or null before the metadata is known. */
export function chunkBar(map: ChunkSourceMap, label: string): HTMLElement | null {
  if (map.count === 0) return null;
  const per = new Map<number, number>();
  let x = 0;
  const rects = map.runs.map(([origin, n]) => {
    per.set(origin, (per.get(origin) ?? 0) + n);
    const rect = svg('rect', {
      x,
      y: 0,
      width: n,
      height: 1,
      class: originClass(origin),
      'data-origin': origin,
    });
    x += n;
    return rect;
  });
  // Lines between cells while they are wide enough to see.
  const cells =
    map.count <= 200
      ? Array.from({ length: map.count - 1 }, (_, i) =>
          svg('line', { x1: i + 1, x2: i + 1, y1: 0, y2: 1, class: 'cell-gap' }),
        )
      : [];
  const parts = [...per.entries()]
    .sort(([a], [b]) => b - a)
    .map(([origin, n]) => ({
      origin,
      text:
        origin === MISSING
          ? `${n} missing`
          : origin === KEPT
            ? `${n} kept from an earlier run`
            : `${n} from ${sourceName(map.sources[origin]!)}`,
    }));
  const bar = svg(
    'svg',
    {
      class: 'chunk-bar',
      viewBox: `0 0 ${map.count} 1`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': `${label}: ${map.count} chunks, ${parts.map((p) => p.text).join(', ')}`,
    },
    ...rects,
    ...cells,
  );
  return el(
    'div',
    { class: 'chunks' },
    bar,
    el(
      'ul',
      { class: 'legend small' },
      ...parts.map((p) =>
        el('li', {}, el('span', { class: `swatch ${originClass(p.origin)}` }), p.text),
      ),
    ),
  );
}
