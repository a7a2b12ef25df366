// Traffic samples from the daemon at 1 Hz (a Server-Sent Events stream), kept
// for the last minutes. The stream is open only while the page is visible: a
// hidden tab costs the daemon and the browser nothing, and the gap it leaves
// shows as a break in the charts.

export interface TrafficSample {
  atMs: number;
  upBytes: number;
  downBytes: number;
  peers: { peerId: string; address: string; upBytes: number; downBytes: number }[];
  transfers: { id: string; kind: string; name: string; bytesDone: number; rateBps: number }[];
  neighbors: { id: string; rttMs: number }[];
}

/** Five minutes at one sample a second. */
const KEEP = 300;
export const SAMPLE_MS = 1000;

const samples: TrafficSample[] = [];
const listeners = new Set<() => void>();
let source: EventSource | undefined;

export function trafficSamples(): readonly TrafficSample[] {
  return samples;
}

/** The newest sample, once one arrived. */
export function latestSample(): TrafficSample | undefined {
  return samples.at(-1);
}

export function onSample(listener: () => void): void {
  listeners.add(listener);
}

function open(): void {
  if (source) return;
  source = new EventSource(`/api/v1/traffic?interval_ms=${SAMPLE_MS}`);
  source.addEventListener('sample', (message) => {
    samples.push(JSON.parse((message as MessageEvent<string>).data) as TrafficSample);
    if (samples.length > KEEP) samples.splice(0, samples.length - KEEP);
    for (const listener of listeners) listener();
  });
}

function close(): void {
  source?.close();
  source = undefined;
}

export function startSampling(): void {
  document.addEventListener('visibilitychange', () =>
    document.visibilityState === 'visible' ? open() : close(),
  );
  if (document.visibilityState === 'visible') open();
}
