// "Search": hits stream in as Server-Sent Events; one click fetches a file.
import { api } from '../api.js';
import { showError } from '../errors.js';
import { byId, bytes, el } from '../format.js';
import { refreshTransfers } from './transfers.js';

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

export function initSearch(): void {
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
  fetchButton.addEventListener('click', () => {
    fetchButton.disabled = true;
    api('/api/v1/transfers', {
      method: 'POST',
      body: JSON.stringify({ sha256, sources: [...row.peers.values()] }),
    })
      .then(() => {
        fetchButton.textContent = 'Fetching';
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
    el('td', {}, fetchButton),
  );
}
