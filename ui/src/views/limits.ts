// Bandwidth limits in the header, beside how fast bytes move now: limits from
// /api/v1/limits (refreshed on `limits.changed`), rates from the 1 Hz traffic
// samples the activity charts use.
import { api } from '../api.js';
import { showError } from '../errors.js';
import { byId, bytes } from '../format.js';
import { onSample, trafficSamples } from '../traffic.js';

interface Limits {
  upload: number;
  download: number;
  perPeerUpload: number;
  perPeerDownload: number;
  upRate: number;
  downRate: number;
}

const limit = (rate: number): string => (rate > 0 ? `${bytes(rate)}/s` : 'unlimited');

let current: Limits | undefined;

function draw(): void {
  if (!current) return;
  const samples = trafficSamples();
  const [a, b] = samples.slice(-2);
  let up = current.upRate;
  let down = current.downRate;
  if (a && b && b.atMs > a.atMs) {
    up = ((b.upBytes - a.upBytes) * 1000) / (b.atMs - a.atMs);
    down = ((b.downBytes - a.downBytes) * 1000) / (b.atMs - a.atMs);
  }
  const node = byId('g-limits');
  node.textContent = `↑ ${bytes(Math.round(up))}/s of ${limit(current.upload)} · ↓ ${bytes(Math.round(down))}/s of ${limit(current.download)}`;
  node.title =
    `Per peer: up ${limit(current.perPeerUpload)}, down ${limit(current.perPeerDownload)}. ` +
    'Change with p2pd limit or PATCH /api/v1/limits.';
}

export async function refreshLimits(): Promise<void> {
  try {
    current = await api<Limits>('/api/v1/limits');
    draw();
  } catch (err) {
    showError(err);
  }
}

export function initLimits(): void {
  onSample(draw);
}
