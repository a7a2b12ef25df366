// "Transfers": fetches and pushes with live progress, rate, ETA, sources, cancel.
import { api } from '../api.js';
import { showError } from '../errors.js';
import { byId, bytes, duration, el } from '../format.js';

interface Transfer {
  id: string;
  kind: string;
  state: string;
  sha256: string;
  name: string;
  size: number;
  bytesDone: number;
  rateBps: number;
  etaMs: number;
  sources: {
    peerId: string;
    address: string;
    bytes: number;
    chunks: number;
    failed: boolean;
    error?: string;
  }[];
  error: string;
  path: string;
  peer: string;
  note: string;
}

let polling: number | undefined;
let finishedSeen: Set<string> | undefined;
let onFinished: () => void = () => undefined;

/** `finished` runs when a transfer seen running has ended (a fetched file is now shared). */
export function initTransfers(finished: () => void): void {
  onFinished = finished;
  // Events drive refreshes; a slow poll covers what events do not report.
  window.setInterval(() => void refreshTransfers(), 3000);
}

const ACTIVE = new Set(['queued', 'running']);

export async function refreshTransfers(): Promise<void> {
  try {
    const { transfers } = await api<{ transfers: Transfer[] }>('/api/v1/transfers');
    byId('transfers-body').replaceChildren(...transfers.map(row));
    const ended = transfers.filter((t) => !ACTIVE.has(t.state)).map((t) => t.id);
    if (finishedSeen && ended.some((id) => !finishedSeen!.has(id))) onFinished();
    finishedSeen = new Set(ended);
    byId('transfers-empty').hidden = transfers.length > 0;
    const active = transfers.some((t) => ACTIVE.has(t.state));
    window.clearTimeout(polling);
    if (active) polling = window.setTimeout(() => void refreshTransfers(), 300);
  } catch (err) {
    showError(err);
  }
}

function row(t: Transfer): HTMLTableRowElement {
  const percent =
    t.size > 0 ? Math.floor((t.bytesDone / t.size) * 100) : t.state === 'completed' ? 100 : 0;
  const bar = el('progress', {
    max: 100,
    value: percent,
    'aria-label': `${t.name || t.sha256} progress`,
  });
  const state =
    t.state === 'failed'
      ? `failed: ${t.error}`
      : t.state === 'completed' && t.path
        ? `completed: ${t.path}`
        : t.state;
  const cancel = ACTIVE.has(t.state)
    ? el(
        'button',
        { type: 'button', class: 'secondary', 'aria-label': `Cancel ${t.name || t.sha256}` },
        'Cancel',
      )
    : null;
  cancel?.addEventListener('click', () => {
    api(`/api/v1/transfers/${encodeURIComponent(t.id)}`, { method: 'DELETE' })
      .then(refreshTransfers)
      .catch(showError);
  });
  const sources = t.sources
    .map(
      (s) =>
        `${s.peerId || s.address}: ${bytes(s.bytes)}${s.failed ? ` (dropped: ${s.error ?? 'failed'})` : ''}`,
    )
    .join(', ');
  return el(
    'tr',
    { 'data-transfer': t.id, 'data-state': t.state },
    el(
      'td',
      { class: 'name' },
      t.name || t.sha256.slice(0, 12) || '…',
      t.note ? el('div', { class: 'muted' }, t.note) : null,
    ),
    el('td', {}, t.kind === 'push' ? `push → ${t.peer}` : 'fetch'),
    el(
      'td',
      {},
      bar,
      ' ',
      el('span', { class: `state-${t.state}`, 'data-percent': percent }, `${percent}% ${state}`),
    ),
    el('td', { class: 'num' }, t.state === 'running' ? `${bytes(Math.round(t.rateBps))}/s` : ''),
    el('td', { class: 'num' }, t.state === 'running' ? duration(t.etaMs) : ''),
    el('td', { class: 'wide' }, sources),
    el('td', {}, cancel),
  );
}
