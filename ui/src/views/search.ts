// "Search": hits stream in as Server-Sent Events; one click fetches a file.
import { api } from '../api.js';
import { showError } from '../errors.js';
import { byId, bytes, el } from '../format.js';
import { searchHit, searchStarted } from '../search-state.js';
import { ACTIVE, onTransfers, refreshTransfers, type Transfer } from './transfers.js';

interface Hit {
  file: { sha256: string; names: string[]; size: number };
  peer: { id: string; address: string };
}

interface Row {
  names: Set<string>;
  size: number;
  peers: Map<string, string>;
  tr: HTMLTableRowElement;
}

let current: EventSource | undefined;
/** Fetch buttons waiting for their transfer to end, by transfer id. */
const fetching = new Map<string, HTMLButtonElement>();

/** A fetch that ended gives its button back, saying how it went. */
function followFetches(transfers: readonly Transfer[]): void {
  for (const t of transfers) {
    const button = fetching.get(t.id);
    if (!button || ACTIVE.has(t.state)) continue;
    fetching.delete(t.id);
    button.disabled = false;
    button.textContent = 'Fetch';
    button.setAttribute(
      'aria-label',
      button.getAttribute('aria-label')!.replace(/^Fetching/, 'Fetch'),
    );
    const outcome = button.parentElement?.querySelector('.outcome');
    if (outcome) {
      outcome.textContent = t.state === 'completed' ? 'Fetched' : `Fetch ${t.state}`;
      outcome.className = `outcome state-${t.state}`;
    }
  }
}

export function initSearch(): void {
  onTransfers(followFetches);
  byId<HTMLFormElement>('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    start(byId<HTMLInputElement>('search-q').value.trim());
  });
}

function start(query: string): void {
  current?.close();
  const body = byId('search-body');
  body.replaceChildren();
  const rows = new Map<string, Row>();
  const status = byId('search-status');
  status.textContent = `Searching for “${query}”…`;
  searchStarted(query);
  const source = new EventSource(`/api/v1/search?q=${encodeURIComponent(query)}`);
  current = source;
  source.addEventListener('hit', (message) => {
    const hit = JSON.parse((message as MessageEvent<string>).data) as Hit;
    let row = rows.get(hit.file.sha256);
    if (!row) {
      row = {
        names: new Set(),
        size: hit.file.size,
        peers: new Map(),
        tr: el('tr', { 'data-sha256': hit.file.sha256 }),
      };
      rows.set(hit.file.sha256, row);
      body.append(row.tr);
    }
    hit.file.names.forEach((n) => row.names.add(n));
    row.peers.set(hit.peer.id, hit.peer.address);
    searchHit(hit.peer, hit.file.names[0] ?? hit.file.sha256);
    render(hit.file.sha256, row);
    status.textContent = `${rows.size} file${rows.size === 1 ? '' : 's'} found so far…`;
  });
  source.addEventListener('done', () => {
    source.close();
    status.textContent = `${rows.size} file${rows.size === 1 ? '' : 's'} found for “${query}”.`;
  });
  source.addEventListener('problem', (message) => {
    source.close();
    const problem = JSON.parse((message as MessageEvent<string>).data) as {
      detail?: string;
      title?: string;
    };
    showError(new Error(problem.detail ?? problem.title ?? 'search failed'));
    status.textContent = '';
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) return;
    source.close();
    status.textContent = `${rows.size} file${rows.size === 1 ? '' : 's'} found for “${query}”.`;
  };
}

function render(sha256: string, row: Row): void {
  const name = [...row.names][0] ?? sha256;
  const fetchButton = el('button', { type: 'button', 'aria-label': `Fetch ${name}` }, 'Fetch');
  const outcome = el('span', { class: 'outcome', 'aria-live': 'polite' });
  fetchButton.addEventListener('click', () => {
    fetchButton.disabled = true;
    outcome.textContent = '';
    api<Transfer>('/api/v1/transfers', {
      method: 'POST',
      body: JSON.stringify({ sha256, sources: [...row.peers.values()] }),
    })
      .then((transfer) => {
        fetchButton.textContent = 'Fetching…';
        fetchButton.setAttribute('aria-label', `Fetching ${name}`);
        fetching.set(transfer.id, fetchButton);
        return refreshTransfers();
      })
      .catch((err: unknown) => {
        fetchButton.disabled = false;
        showError(err);
      });
  });
  row.tr.replaceChildren(
    el('td', { class: 'name' }, [...row.names].join(', ')),
    el('td', { class: 'num' }, bytes(row.size)),
    el('td', { class: 'num' }, String(row.peers.size)),
    el('td', {}, el('span', { class: 'actions' }, fetchButton, outcome)),
  );
}
