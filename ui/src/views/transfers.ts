// "Transfers": fetches and pushes, newest first, with live progress, rate,
// ETA, sources by peer id, a chunk map per fetch, the reason of a failure,
// and cancel.
import { api } from '../api.js';
import { chunkBar, type ChunkSourceMap } from '../charts/chunk-bar.js';
import { showError } from '../errors.js';
import { byId, bytes, duration, el } from '../format.js';

export interface Transfer {
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
    /** Still fetching the file itself (swarming). */
    partial?: boolean;
    /** Bytes this peer served to that one. */
    uploadedBytes?: number;
  }[];
  error: string;
  path: string;
  peer: string;
  note: string;
  startedAt: number;
}

let polling: number | undefined;
let finishedSeen: Set<string> | undefined;
let onFinished: () => void = () => undefined;
const listeners = new Set<(transfers: readonly Transfer[]) => void>();
/** Chunk maps by transfer; a finished transfer's map is final and fetched once more at most. */
const chunkMaps = new Map<string, { map: ChunkSourceMap; atMs: number; final: boolean }>();
/** Least time between two chunk-map requests of one running fetch, ms. */
const CHUNKS_EVERY_MS = 1000;

/** `finished` runs when a transfer seen running has ended (a fetched file is now shared). */
export function initTransfers(finished: () => void): void {
  onFinished = finished;
  // Events drive refreshes; a slow poll covers what events do not report.
  window.setInterval(() => void refreshTransfers(), 3000);
}

/** Called with every list of transfers fetched (the Search view follows its fetches). */
export function onTransfers(listener: (transfers: readonly Transfer[]) => void): void {
  listeners.add(listener);
}

export const ACTIVE = new Set(['queued', 'running']);

export async function refreshTransfers(): Promise<void> {
  try {
    const { transfers } = await api<{ transfers: Transfer[] }>('/api/v1/transfers');
    transfers.sort((a, b) => b.startedAt - a.startedAt);
    byId('transfers-body').replaceChildren(...transfers.map(row));
    const ended = transfers.filter((t) => !ACTIVE.has(t.state)).map((t) => t.id);
    if (finishedSeen && ended.some((id) => !finishedSeen!.has(id))) onFinished();
    finishedSeen = new Set(ended);
    byId('transfers-empty').hidden = transfers.length > 0;
    for (const listener of listeners) listener(transfers);
    const active = transfers.some((t) => ACTIVE.has(t.state));
    window.clearTimeout(polling);
    if (active) polling = window.setTimeout(() => void refreshTransfers(), 300);
    void updateChunkMaps(transfers);
  } catch (err) {
    showError(err);
  }
}

/** Fetches the chunk maps that are due, and redraws their bars in place. */
async function updateChunkMaps(transfers: readonly Transfer[]): Promise<void> {
  const now = Date.now();
  const due = transfers.filter((t) => {
    if (t.kind !== 'fetch' || t.state === 'queued') return false;
    const known = chunkMaps.get(t.id);
    return !known || (!known.final && now - known.atMs >= CHUNKS_EVERY_MS);
  });
  await Promise.all(
    due.map(async (t) => {
      const final = !ACTIVE.has(t.state);
      chunkMaps.set(t.id, { map: chunkMaps.get(t.id)?.map ?? EMPTY, atMs: now, final });
      try {
        const map = await api<ChunkSourceMap>(
          `/api/v1/transfers/${encodeURIComponent(t.id)}/chunks`,
        );
        chunkMaps.set(t.id, { map, atMs: now, final });
        const slot = document.querySelector(
          `#transfers-body tr[data-transfer="${t.id}"] .chunk-slot`,
        );
        slot?.replaceChildren(barFor(t, map) ?? '');
      } catch {
        chunkMaps.delete(t.id); // tried again at the next refresh
      }
    }),
  );
}

/** The chunk bar of a fetch; none for one that ended with nothing (cancelled early). */
function barFor(t: Transfer, map: ChunkSourceMap): HTMLElement | null {
  const nothing = map.runs.every(([origin]) => origin === -1);
  return nothing && !ACTIVE.has(t.state) ? null : chunkBar(map, `${t.name || 'file'} chunks`);
}

const EMPTY: ChunkSourceMap = { count: 0, sources: [], runs: [] };

/** Text with each 64-character hash shortened, the whole hash in its title: no wrapped hex. */
function withShortHashes(text: string): (Node | string)[] {
  return text
    .split(/\b([0-9a-f]{64})\b/)
    .map((part, i) =>
      i % 2 === 1 ? el('code', { class: 'hash', title: part }, `${part.slice(0, 12)}…`) : part,
    );
}

function row(t: Transfer): HTMLTableRowElement {
  const percent =
    t.size > 0 ? Math.floor((t.bytesDone / t.size) * 100) : t.state === 'completed' ? 100 : 0;
  const label = t.name || t.sha256.slice(0, 12) || '…';
  const bar = el('progress', { max: 100, value: percent, 'aria-label': `${label} progress` });
  const cancel = ACTIVE.has(t.state)
    ? el(
        'button',
        { type: 'button', class: 'secondary', 'aria-label': `Cancel ${label}` },
        'Cancel',
      )
    : null;
  cancel?.addEventListener('click', () => {
    api(`/api/v1/transfers/${encodeURIComponent(t.id)}`, { method: 'DELETE' })
      .then(refreshTransfers)
      .catch(showError);
  });
  const sources = t.sources.map((s) =>
    el(
      'span',
      { class: 'source', title: s.address },
      // Down from it, and up to it: in a swarm, fetchers serve each other.
      `${s.peerId || s.address}: ↓ ${bytes(s.bytes)} ↑ ${bytes(s.uploadedBytes ?? 0)}${s.partial ? ' (fetching too)' : ''}`,
      s.failed ? el('span', { class: 'state-failed' }, ` (dropped: ${s.error ?? 'failed'})`) : null,
    ),
  );
  const known = chunkMaps.get(t.id)?.map;
  const chunks = known ? barFor(t, known) : null;
  return el(
    'tr',
    { 'data-transfer': t.id, 'data-state': t.state },
    el(
      'td',
      { class: 'name' },
      el('span', { title: t.path || t.sha256 }, label),
      t.note ? el('div', { class: 'muted note' }, ...withShortHashes(t.note)) : null,
      t.state === 'completed' && t.path
        ? el('div', { class: 'muted path' }, `Saved as ${t.path}`)
        : null,
      t.state === 'failed'
        ? el(
            'div',
            { class: 'reason' },
            el('strong', {}, 'Failed: '),
            ...withShortHashes(t.error || 'no reason given'),
          )
        : null,
    ),
    el('td', {}, t.kind === 'push' ? `push → ${t.peer}` : 'fetch'),
    el(
      'td',
      { class: 'progress' },
      bar,
      ' ',
      el(
        'span',
        { class: `state state-${t.state}`, 'data-percent': percent },
        `${percent}% ${t.state}`,
      ),
      el('div', { class: 'chunk-slot' }, chunks),
    ),
    el('td', { class: 'num' }, t.state === 'running' ? `${bytes(Math.round(t.rateBps))}/s` : ''),
    el('td', { class: 'num' }, t.state === 'running' ? duration(t.etaMs) : ''),
    el('td', { class: 'wide sources' }, ...sources),
    el('td', {}, cancel),
  );
}
