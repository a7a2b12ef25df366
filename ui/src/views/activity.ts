// "Activity": upload and download rate (total and per transfer) and neighbor
// round-trip times over the last minutes, drawn from the 1 Hz traffic samples.
// Drawing happens only while this tab is on screen.
import { bytes, byId, el } from '../format.js';
import { drawChart, niceBinaryCeil, type Series } from '../charts/line-chart.js';
import { colorClass } from '../svg.js';
import { SAMPLE_MS, onSample, trafficSamples, type TrafficSample } from '../traffic.js';

const SPAN_MS = 5 * 60_000;
/** Per-transfer lines drawn at most; the totals are always there. */
const MAX_TRANSFER_LINES = 4;

export function initActivity(): void {
  onSample(() => {
    if (!byId('view-activity').hidden) drawActivity();
  });
}

/** Rate between consecutive samples of a counter; null across a gap (a hidden page). */
function rates(
  samples: readonly TrafficSample[],
  value: (s: TrafficSample) => number | undefined,
): { t: number; v: number | null }[] {
  const out: { t: number; v: number | null }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = b.atMs - a.atMs;
    const va = value(a);
    const vb = value(b);
    const gap = dt <= 0 || dt > 3 * SAMPLE_MS || va === undefined || vb === undefined;
    out.push({ t: b.atMs, v: gap ? null : Math.max(0, ((vb - va) * 1000) / dt) });
  }
  return out;
}

function legend(id: string, series: readonly Series[], format: (v: number) => string): void {
  byId(id).replaceChildren(
    ...series.map((s) => {
      const last = s.points.at(-1)?.v;
      return el(
        'li',
        { 'data-series': s.label, 'data-value': last ?? '' },
        el('span', { class: `swatch ${colorClass(s.color)}${s.dashed ? ' dashed' : ''}` }),
        `${s.label}: ${last === null || last === undefined ? '–' : format(last)}`,
      );
    }),
  );
}

const rate = (v: number): string => `${bytes(Math.round(v))}/s`;

export function drawActivity(): void {
  const samples = trafficSamples();
  const now = samples.at(-1)?.atMs ?? Date.now();
  const transferIds = [...new Set(samples.flatMap((s) => s.transfers.map((t) => t.id)))].slice(
    -MAX_TRANSFER_LINES,
  );
  const names = new Map(samples.flatMap((s) => s.transfers.map((t) => [t.id, t.name] as const)));
  const rateSeries: Series[] = [
    { label: 'Download', color: 0, points: rates(samples, (s) => s.downBytes) },
    { label: 'Upload', color: 1, points: rates(samples, (s) => s.upBytes) },
    ...transferIds.map((id, i) => ({
      label: names.get(id) || id,
      color: i + 2,
      dashed: true,
      points: rates(samples, (s) => s.transfers.find((t) => t.id === id)?.bytesDone),
    })),
  ];
  drawChart(
    byId('rate-chart') as unknown as SVGSVGElement,
    rateSeries,
    { now, spanMs: SPAN_MS, format: rate, minMax: 1024 },
    niceBinaryCeil,
  );
  legend('rate-legend', rateSeries, rate);
  const [down, up] = rateSeries;
  byId('rate-chart').setAttribute(
    'aria-label',
    `Transfer rate over the last 5 minutes; now download ${rate(down!.points.at(-1)?.v ?? 0)}, upload ${rate(up!.points.at(-1)?.v ?? 0)}`,
  );

  const neighborIds = [...new Set(samples.flatMap((s) => s.neighbors.map((n) => n.id)))].sort();
  const rttSeries: Series[] = neighborIds.map((id, i) => ({
    label: id,
    color: i,
    points: samples.map((s) => {
      const rtt = s.neighbors.find((n) => n.id === id)?.rttMs;
      return { t: s.atMs, v: rtt === undefined || rtt < 0 ? null : rtt };
    }),
  }));
  const ms = (v: number): string => `${Math.round(v)} ms`;
  drawChart(byId('rtt-chart') as unknown as SVGSVGElement, rttSeries, {
    now,
    spanMs: SPAN_MS,
    format: ms,
    minMax: 5,
  });
  legend('rtt-legend', rttSeries, ms);
  byId('rtt-chart').setAttribute(
    'aria-label',
    `Neighbor round-trip times over the last 5 minutes: ${
      rttSeries.map((s) => `${s.label} ${s.points.at(-1)?.v ?? '–'} ms`).join(', ') ||
      'no neighbors'
    }`,
  );
}
