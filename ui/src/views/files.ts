// "My files": the local share, filter as you type, add by drop or picker,
// download, copy a hash, push to a neighbor.
import { api } from '../api.js';
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
  // Files dropped anywhere on the page are shared; one listener, so a drop on
  // the zone (which bubbles to the body) is not uploaded twice.
  const zone = byId('dropzone');
  document.body.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  document.body.addEventListener('dragleave', () => zone.classList.remove('over'));
  document.body.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    void upload([...(e.dataTransfer?.files ?? [])]);
  });
}

async function upload(files: File[]): Promise<void> {
  for (const file of files) {
    try {
      await api(`/api/v1/files?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        body: file,
        headers: { 'content-type': 'application/octet-stream' },
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
    { type: 'button', class: 'secondary', 'aria-label': `Copy hash of ${name}` },
    'Copy hash',
  );
  copy.addEventListener('click', () => {
    copyText(file.sha256).then(
      () => {
        // The spoken name starts with the visible words (WCAG 2.5.3, label in name).
        copy.textContent = 'Copied';
        copy.setAttribute('aria-label', `Copied hash of ${name}`);
      },
      () => showError(new Error('The browser did not allow copying; select the hash instead.')),
    );
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
            href: `/api/v1/files/${file.sha256}/content`,
            download: name.split('/').pop() ?? name,
            'aria-label': `Download ${name}`,
          },
          'Download',
        ),
        push,
        copy,
      ),
    ),
  );
}

/** The clipboard API needs a secure context; http://127.0.0.1 is one, a LAN address is not. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard) return navigator.clipboard.writeText(text);
  const area = el('textarea', { readonly: true, class: 'visually-hidden' });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}
