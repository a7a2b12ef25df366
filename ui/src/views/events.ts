// "Events": a live, filterable feed of the event stream.
import { byId, el } from '../format.js';
import type { EventEnvelope } from '../main.js';

const MAX_SHOWN = 300;

export function initEvents(): void {
  byId('events-filter').addEventListener('input', applyFilter);
  byId('events-clear').addEventListener('click', () => byId('events-list').replaceChildren());
}

export function addEvent(event: EventEnvelope): void {
  const list = byId('events-list');
  const item = el(
    'li',
    { 'data-type': event.type },
    el('time', { datetime: event.time }, new Date(event.time).toLocaleTimeString()),
    ' ',
    el('span', { class: 'type' }, event.type),
    JSON.stringify(event.data),
  );
  item.hidden = !matches(event.type);
  list.prepend(item);
  while (list.childElementCount > MAX_SHOWN) list.lastElementChild?.remove();
}

function filters(): string[] {
  return byId<HTMLInputElement>('events-filter')
    .value.split(/[\s,]+/)
    .filter(Boolean);
}

function matches(type: string): boolean {
  const wanted = filters();
  return (
    wanted.length === 0 ||
    wanted.some((f) =>
      f.endsWith('*') || f.endsWith('>') ? type.startsWith(f.slice(0, -1)) : type === f,
    )
  );
}

function applyFilter(): void {
  for (const item of byId('events-list').children) {
    (item as HTMLElement).hidden = !matches((item as HTMLElement).dataset.type ?? '');
  }
}
