// "Peers": neighbors with state and round-trip time; connect; disconnect.
import { api } from '../api.js';
import { showError } from '../errors.js';
import { byId, el } from '../format.js';

export interface PeerRow {
  id: string;
  address: string;
  state: string;
  rttMs: number;
}

/** Neighbors as the REST API lists them. */
export async function listPeers(): Promise<PeerRow[]> {
  const { peers } = await api<{ peers: PeerRow[] }>('/api/v1/peers');
  return peers;
}

export function initPeers(): void {
  const form = byId<HTMLFormElement>('connect-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>('connect-address');
    api('/api/v1/peers', { method: 'POST', body: JSON.stringify({ address: input.value.trim() }) })
      .then(() => {
        input.value = '';
        return refreshPeers();
      })
      .catch(showError);
  });
}

export async function refreshPeers(): Promise<void> {
  try {
    const peers = await listPeers();
    byId('peers-body').replaceChildren(...peers.map(row));
    byId('peers-empty').hidden = peers.length > 0;
  } catch (err) {
    showError(err);
  }
}

function row(peer: PeerRow): HTMLTableRowElement {
  const drop = el(
    'button',
    { type: 'button', class: 'secondary', 'aria-label': `Disconnect ${peer.id}` },
    'Disconnect',
  );
  drop.addEventListener('click', () => {
    api(`/api/v1/peers/${encodeURIComponent(peer.id)}`, { method: 'DELETE' })
      .then(refreshPeers)
      .catch(showError);
  });
  return el(
    'tr',
    { 'data-peer': peer.id },
    el('td', {}, peer.id),
    el('td', { class: 'wide' }, peer.address),
    el('td', {}, peer.state),
    el('td', { class: 'num' }, peer.rttMs >= 0 ? `${peer.rttMs} ms` : '–'),
    el('td', {}, drop),
  );
}
