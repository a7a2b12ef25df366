// The push dialog: send one of my files to a chosen neighbor.
import { api } from '../api.js';
import { showError } from '../errors.js';
import { byId, el } from '../format.js';
import { listPeers } from './peers.js';
import { refreshTransfers } from './transfers.js';

export function openPush(sha256: string, name: string): void {
  const dialog = byId<HTMLDialogElement>('push-dialog');
  byId('push-name').textContent = name;
  const select = byId<HTMLSelectElement>('push-peer');
  void listPeers()
    .then((peers) => {
      select.replaceChildren(
        ...peers.map((p) => el('option', { value: p.address }, `${p.id} (${p.address})`)),
      );
      byId<HTMLButtonElement>('push-send').disabled = peers.length === 0;
      byId('push-none').hidden = peers.length > 0;
      dialog.addEventListener('close', () => send(dialog, sha256, select.value), { once: true });
      dialog.showModal();
    })
    .catch(showError);
}

function send(dialog: HTMLDialogElement, sha256: string, peer: string): void {
  if (dialog.returnValue !== 'send' || !peer) return;
  api('/api/v1/pushes', { method: 'POST', body: JSON.stringify({ sha256, peer }) })
    .then(() => {
      byId('tab-transfers').click();
      return refreshTransfers();
    })
    .catch(showError);
}
