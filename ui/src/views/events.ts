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
    summary(event.data),
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

/** The daemon's filter syntax (NATS subjects): `download.*`, `peer.>`, `*.completed`, `file.added`. */
function matches(type: string): boolean {
  const wanted = filters();
  const tokens = type.split('.');
  return wanted.length === 0 || wanted.some((f) => matchesSubject(f.split('.'), tokens));
}

function matchesSubject(pattern: string[], tokens: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '>') return tokens.length > i;
    if (i >= tokens.length) return false;
    if (p !== '*' && p !== tokens[i]) return false;
  }
  return pattern.length === tokens.length;
}

function applyFilter(): void {
  for (const item of byId('events-list').children) {
    (item as HTMLElement).hidden = !matches((item as HTMLElement).dataset.type ?? '');
  }
}

/** `key=value` pairs, easier to scan than JSON. */
function summary(data: Record<string, unknown>): string {
  return Object.entries(data)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
