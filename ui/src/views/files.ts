// "My files": the local share, filter as you type, add by drop or picker,
// download, copy a hash, push to a neighbor.
import { api, authHeaders, withToken } from '../api.js';
import { showError } from '../errors.js';
import { byId, bytes, el } from '../format.js';
import { openPush } from './push.js';

export interface FileInfo {
  sha256: string;
  names: string[];
  size: number;
}

let filterTimer: number | undefined;

export function initFiles(): void {
  const filter = byId<HTMLInputElement>('files-filter');
  filter.addEventListener('input', () => {
    window.clearTimeout(filterTimer);
    filterTimer = window.setTimeout(() => void refreshFiles(), 150);
  });
  const pick = byId<HTMLInputElement>('files-pick');
  pick.addEventListener('change', () => {
    void upload([...(pick.files ?? [])]);
    pick.value = '';
  });
  const zone = byId('dropzone');
  for (const target of [zone, document.body]) {
    target.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    target.addEventListener('dragleave', () => zone.classList.remove('over'));
    target.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      void upload([...(e.dataTransfer?.files ?? [])]);
    });
  }
}

async function upload(files: File[]): Promise<void> {
  for (const file of files) {
    try {
      await api(`/api/v1/files?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        body: file,
        headers: { 'content-type': 'application/octet-stream', ...authHeaders() },
      });
    } catch (err) {
      showError(new Error(`Could not add ${file.name}: ${(err as Error).message}`));
    }
  }
  await refreshFiles();
}

export async function refreshFiles(): Promise<void> {
  const q = byId<HTMLInputElement>('files-filter').value.trim();
  try {
    const { files, total } = await api<{ files: FileInfo[]; total: number }>(
      `/api/v1/files?limit=500&q=${encodeURIComponent(q)}`,
    );
    byId('files-body').replaceChildren(...files.map(row));
    byId('files-count').textContent =
      total > files.length
        ? `${files.length} of ${total} files shown`
        : `${total} file${total === 1 ? '' : 's'}`;
  } catch (err) {
    showError(err);
  }
}

function row(file: FileInfo): HTMLTableRowElement {
  const name = file.names[0] ?? file.sha256;
  const copy = el(
    'button',
    { type: 'button', class: 'secondary', 'aria-label': `Copy the hash of ${name}` },
    'Copy',
  );
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(file.sha256).then(() => (copy.textContent = 'Copied'));
  });
  const push = el(
    'button',
    { type: 'button', class: 'secondary', 'aria-label': `Push ${name} to a neighbor` },
    'Push',
  );
  push.addEventListener('click', () => openPush(file.sha256, name));
  return el(
    'tr',
    { 'data-sha256': file.sha256 },
    el('td', { class: 'name' }, file.names.join(', ')),
    el('td', { class: 'num' }, bytes(file.size)),
    el(
      'td',
      { class: 'wide' },
      el('code', { class: 'hash', title: file.sha256 }, `${file.sha256.slice(0, 12)}…`),
      ' ',
      copy,
    ),
    el(
      'td',
      {},
      el(
        'span',
        { class: 'actions' },
        el(
          'a',
          {
            class: 'button',
            href: withToken(`/api/v1/files/${file.sha256}/content`),
            download: name.split('/').pop() ?? name,
            'aria-label': `Download ${name}`,
          },
          'Download',
        ),
        push,
      ),
    ),
  );
}
