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
      dialog.showModal();
    })
    .catch(showError);
  dialog.addEventListener(
    'close',
    () => {
      if (dialog.returnValue !== 'send' || !select.value) return;
      api('/api/v1/pushes', {
        method: 'POST',
        body: JSON.stringify({ sha256, peer: select.value }),
      })
        .then(() => {
          byId('tab-transfers').click();
          return refreshTransfers();
        })
        .catch(showError);
    },
    { once: true },
  );
}
