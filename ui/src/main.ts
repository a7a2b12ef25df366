// Entry point: tabs, the status header, and one event stream feeding every view.
import { onTokenNeeded, openSession } from './api.js';
import { byId } from './format.js';
import { showError } from './errors.js';
import { startSampling } from './traffic.js';
import { drawActivity, initActivity } from './views/activity.js';
import { initEvents, addEvent } from './views/events.js';
import { initFiles, refreshFiles } from './views/files.js';
import { initLimits, refreshLimits } from './views/limits.js';
import { initNetwork, refreshNetwork } from './views/network.js';
import { initPeers, refreshPeers } from './views/peers.js';
import { initSearch } from './views/search.js';
import { refreshStatus } from './views/status.js';
import { initTransfers, refreshTransfers } from './views/transfers.js';

export interface EventEnvelope {
  id: string;
  type: string;
  time: string;
  peer: string;
  data: Record<string, unknown>;
}

function initTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
  const select = (tab: HTMLButtonElement): void => {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute('aria-selected', String(selected));
      t.tabIndex = selected ? 0 : -1;
      byId(t.getAttribute('aria-controls')!).hidden = !selected;
    }
    location.hash = tab.id.replace('tab-', '');
    // Pictures are drawn only while on screen: draw the one just shown.
    if (tab.id === 'tab-activity') drawActivity();
    if (tab.id === 'tab-network') void refreshNetwork();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      // The WAI-ARIA tabs pattern: arrows move along, Home and End jump to the ends.
      const target: Record<string, number> = {
        ArrowRight: i + 1,
        ArrowLeft: i - 1,
        Home: 0,
        End: tabs.length - 1,
      };
      if (!(e.key in target)) return;
      e.preventDefault();
      const next = tabs[(target[e.key]! + tabs.length) % tabs.length]!;
      next.focus();
      select(next);
    });
  });
  const initial = tabs.find((t) => t.id === `tab-${location.hash.slice(1)}`);
  if (initial) select(initial);
}

function initTokenPrompt(): void {
  const dialog = byId<HTMLDialogElement>('token-dialog');
  onTokenNeeded(
    () =>
      new Promise((resolve) => {
        const input = byId<HTMLInputElement>('token-input');
        input.value = '';
        dialog.addEventListener(
          'close',
          () => resolve(dialog.returnValue === 'ok' ? input.value : ''),
          { once: true },
        );
        dialog.showModal();
      }),
  );
}

/** Views refreshed by each event kind; bursts are coalesced into one refresh each. */
const REFRESH: [RegExp, () => Promise<void>][] = [
  [/^(file|upload|download)\./, refreshFiles],
  [/^peer\./, refreshPeers],
  [/^peer\./, refreshNetwork],
  [/^limits\./, refreshLimits],
];

/** True while the event stream is open; otherwise the views are polled. */
let live = false;

function connectEvents(): void {
  const source = new EventSource('/api/v1/events');
  const due = new Set<() => Promise<void>>();
  let refreshTimer: number | undefined;
  source.onopen = () => (live = true);
  source.onerror = () => (live = source.readyState === EventSource.OPEN);
  source.onmessage = (message) => {
    const event = JSON.parse(message.data as string) as EventEnvelope;
    addEvent(event);
    if (/^(download|upload)\./.test(event.type)) void refreshTransfers();
    for (const [pattern, refresh] of REFRESH) if (pattern.test(event.type)) due.add(refresh);
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(() => {
      void refreshStatus();
      for (const refresh of due) void refresh();
      due.clear();
    }, 150);
  };
}

async function main(): Promise<void> {
  byId('error-close').addEventListener('click', () => (byId('error').hidden = true));
  initTokenPrompt();
  initTabs();
  initFiles();
  initSearch();
  initTransfers(() => {
    void refreshFiles();
    void refreshStatus();
  });
  initPeers();
  initEvents();
  initActivity();
  initNetwork();
  initLimits();
  document.addEventListener('visibilitychange', () => void refreshNetwork());
  // A token kept from earlier in this tab: the session may be gone (the daemon restarted).
  await openSession();
  await refreshStatus();
  await Promise.all([refreshFiles(), refreshPeers(), refreshTransfers(), refreshLimits()]);
  connectEvents();
  startSampling();
  window.setInterval(() => {
    // Round-trip times change without events; files only need polling without the stream.
    void Promise.all([refreshStatus(), refreshPeers(), live ? undefined : refreshFiles()]);
    // The event stream is down: perhaps its session ended with a daemon restart.
    if (!live) void openSession();
  }, 5000);
}

main().catch(showError);
