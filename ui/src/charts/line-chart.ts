// A time-series line chart in plain SVG: a few series over the last minutes,
// a y axis with round ticks, breaks where samples are missing.
import { colorClass, svg } from '../svg.js';

export interface Series {
  label: string;
  /** Points in time order; a null value breaks the line. */
  points: { t: number; v: number | null }[];
  /** Which palette colour; also the legend's swatch. */
  color: number;
  dashed?: boolean;
}

export interface ChartOptions {
  /** Newest time shown (the right edge), ms. */
  now: number;
  /** Time span shown, ms. */
  spanMs: number;
  /** Formats a y value for ticks. */
  format(v: number): string;
  /** The y axis reaches at least this high. */
  minMax: number;
}

/** Drawn at the size shown, so that text keeps its size whatever the width. */
const FALLBACK_W = 600;
const H = 180;
const PAD = { left: 64, right: 8, top: 8, bottom: 22 };

/** 1, 2 or 5 times a power of ten, at least `v`: ticks people read at a glance. */
function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v) ?? 10 * p;
}

/** For byte rates: 1, 2, 4, 8 times a power of 1024 reads better than decimal steps. */
export function niceBinaryCeil(v: number): number {
  let n = 1;
  while (n < v) n *= 2;
  return n;
}

export function drawChart(
  host: SVGSVGElement,
  series: readonly Series[],
  o: ChartOptions,
  ceil: (v: number) => number = niceCeil,
): void {
  const W = Math.round(host.clientWidth) || FALLBACK_W;
  const values = series.flatMap((s) => s.points.map((p) => p.v ?? 0));
  const top = ceil(Math.max(o.minMax, ...values));
  const x = (t: number): number =>
    PAD.left + ((t - (o.now - o.spanMs)) / o.spanMs) * (W - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) =>
    svg(
      'g',
      { class: 'tick' },
      svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(top * f), y2: y(top * f) }),
      svg('text', { x: PAD.left - 6, y: y(top * f) + 4, 'text-anchor': 'end' }, o.format(top * f)),
    ),
  );
  const minutes = Math.round(o.spanMs / 60_000);
  const axis = svg(
    'g',
    { class: 'tick' },
    svg('text', { x: PAD.left, y: H - 4 }, `${minutes} min ago`),
    svg('text', { x: W - PAD.right, y: H - 4, 'text-anchor': 'end' }, 'now'),
  );
  const lines = series.map((s) => {
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (p.v === null || p.t < o.now - o.spanMs) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`;
      pen = true;
    }
    return svg('path', {
      d: d || 'M0 0',
      class: `line ${colorClass(s.color)}${s.dashed ? ' dashed' : ''}`,
      'data-series': s.label,
    });
  });
  host.setAttribute('viewBox', `0 0 ${W} ${H}`);
  host.replaceChildren(...grid, axis, ...lines);
}
