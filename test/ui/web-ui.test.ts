// The web UI end to end: real daemons, real headless Chromium, real bytes.
// The steps share one network and one browser and run in order, as a person
// would: look around, search, fetch, push, watch events.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { startNetPeer } from '../overlay/network.js';
import { runAxe } from './axe.js';
import { ARTIFACTS, launchBrowser, loadAndWeigh, offHost, type Browser } from './browser.js';

const KiB = 1024;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Default index settings (the overlay helper turns watching off; a UI shows live changes). */
const INDEX = { index: { chunkSize: 64 * KiB } };

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
  await page.getByRole('tabpanel', { name }).waitFor({ state: 'visible' });
}

/** The UI is ready once the header shows the peer's id and the file table is filled. */
async function uiReady(page: Page, id: string): Promise<void> {
  await page.locator('#peer-id', { hasText: id }).waitFor();
  await page.locator('#files-count', { hasText: /\d+ files?/ }).waitFor();
}

describe('web UI: a browser drives a network of peers', function () {
  this.timeout(180_000);
  const rare = randomBytes(6 * 1024 * KiB); // only peer3 has it
  const long = randomBytes(12 * 1024 * KiB); // fetched, then cancelled
  const notes = Buffer.from('peer1 shares its notes\n'.repeat(2000));
  const picked = Buffer.from('added with the file picker\n');
  const dropped = Buffer.from('added by drag and drop\n');
  const duet = randomBytes(24 * 1024 * KiB); // peer2 and peer3 both have it
  let peer1: TestPeer;
  let peer2: TestPeer;
  let peer3: TestPeer;
  let browser: Browser;
  let page: Page;
  const started: TestPeer[] = [];

  before(async () => {
    peer3 = await startNetPeer({
      id: 'peer3',
      files: { 'music/rare-song.ogg': rare, 'music/long-mix.ogg': long, 'music/duet.flac': duet },
      config: INDEX,
    });
    started.push(peer3);
    peer2 = await startNetPeer({
      id: 'peer2',
      files: { 'music/duet.flac': duet },
      bootstrap: [peer3.grpcAddress],
      config: INDEX,
    });
    started.push(peer2);
    peer1 = await startNetPeer({
      id: 'peer1',
      files: { 'notes/field-notes.txt': notes },
      bootstrap: [peer2.grpcAddress, peer3.grpcAddress],
      // One small request at a time per source, so that the progress bar and charts move.
      config: {
        ...INDEX,
        transfer: { maxRequests: 2, maxRequestsPerSource: 1, requestBytes: 16 * KiB },
      },
    });
    started.push(peer1);
    await waitFor(() => peer1.daemon.overlay.neighbors().length === 2, {
      timeoutMs: 30_000,
      what: 'peer1 to have both neighbors',
    });
    browser = await launchBrowser();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await Promise.all(started.map((p) => p.stop()));
  });

  it('loads from the daemon alone and shows the peer at a glance', async () => {
    const weight = await loadAndWeigh(page, `${peer1.restUrl}/`, () => uiReady(page, 'peer1'));
    console.log(
      `      page weight on first load: ${weight.bytes} bytes (${(weight.bytes / KiB).toFixed(1)} KiB) ` +
        `in ${weight.requests} requests; bodies ${weight.bodyBytes} bytes, ${weight.gzipBytes} gzipped`,
    );
    expect(weight.bytes).to.be.below(100 * KiB);
    expect(await page.locator('#g-grpc').textContent()).to.equal(peer1.grpcAddress);
    expect(await page.locator('#g-log').textContent()).to.equal('writing');
    await page.locator('#g-peers', { hasText: '2' }).waitFor();
    // The bandwidth limits, and a change at run time shows without a reload (limits.changed).
    await page.locator('#g-limits', { hasText: /↑ .*of unlimited · ↓ .*of unlimited/ }).waitFor();
    peer1.daemon.transfers.bandwidth.update({ upload: '5MiB/s' });
    await page.locator('#g-limits', { hasText: 'of 5.0 MiB/s' }).waitFor();
    peer1.daemon.transfers.bandwidth.update({ upload: 0 });
    const row = page.locator(`#files-body tr[data-sha256="${sha256(notes)}"]`);
    expect(await row.locator('td.name').textContent()).to.equal('notes/field-notes.txt');
    await shot(page, '01-my-files');
  });

  it('filters my files as you type, adds files by picker and by drop, downloads one', async () => {
    await page.setInputFiles('#files-pick', {
      name: 'picked.txt',
      mimeType: 'text/plain',
      buffer: picked,
    });
    await page.locator(`#files-body tr[data-sha256="${sha256(picked)}"]`).waitFor();
    // Browser-side code as text: the test's TypeScript has no DOM types.
    await page.evaluate(`{
      const transfer = new DataTransfer();
      transfer.items.add(new File([${JSON.stringify(dropped.toString())}], 'dropped.txt'));
      const drop = new DragEvent('drop', { dataTransfer: transfer, bubbles: true });
      document.getElementById('dropzone').dispatchEvent(drop);
    }`);
    await page.locator(`#files-body tr[data-sha256="${sha256(dropped)}"]`).waitFor();
    expect(await readFile(join(peer1.shared, 'picked.txt'))).to.deep.equal(picked);
    expect(await readFile(join(peer1.shared, 'dropped.txt'))).to.deep.equal(dropped);
    // One drop, one file: no "dropped (1).txt".
    await page.locator('#files-count', { hasText: '3 files' }).waitFor();

    await page.getByLabel('Filter', { exact: true }).fill('field');
    await page.locator('#files-count', { hasText: '1 file' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download notes/field-notes.txt' }).click(),
    ]);
    expect(await readFile((await download.path())!)).to.deep.equal(notes);
    await page.getByLabel('Filter', { exact: true }).fill('');
    await page.locator('#files-count', { hasText: '3 files' }).waitFor();
  });

  it('lists the neighbors with their state and round-trip time', async () => {
    await openTab(page, 'Peers');
    for (const peer of [peer2, peer3]) {
      const row = page.locator(`#peers-body tr[data-peer="${peer.daemon.config.id}"]`);
      expect(await row.locator('td').nth(1).textContent()).to.equal(peer.grpcAddress);
      expect(await row.locator('td').nth(2).textContent()).to.equal('connected');
      await row.locator('td.num', { hasText: /\d+ ms/ }).waitFor({ timeout: 20_000 });
    }
    await shot(page, '02-peers');

    // A refusal from the API is shown in plain words, and can be dismissed.
    const errorsBefore = browser.errors.length;
    await page.getByLabel('Connect to').fill('127.0.0.1:1');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.locator('#error-text').textContent()).to.match(/127\.0\.0\.1:1/);
    await shot(page, '02b-peers-connect-error');
    await page.getByRole('button', { name: 'Dismiss error' }).click();
    await alert.waitFor({ state: 'hidden' });
    // Chromium logs every failed request; this one was asked for.
    await waitFor(() => browser.errors.length > errorsBefore, { what: 'the 503 in the console' });
    const asked = browser.errors.splice(errorsBefore);
    expect(asked).to.have.length(1);
    expect(asked[0]).to.match(/ 503 .*\/api\/v1\/peers/);
  });

  it('searches the network, fetches a file only peer3 has, and shares it', async () => {
    const hash = sha256(rare);
    await openTab(page, 'Search');
    await page.getByLabel('Search the network').fill('rare');
    await page.getByLabel('Search the network').press('Enter');
    const hit = page.locator(`#search-body tr[data-sha256="${hash}"]`);
    await hit.waitFor({ timeout: 30_000 });
    await page.locator('#search-status', { hasText: /found for/ }).waitFor({ timeout: 30_000 });
    const cells = await hit.locator('td').allTextContents();
    expect(cells.slice(0, 3)).to.deep.equal(['music/rare-song.ogg', '6.0 MiB', '1']);
    await shot(page, '03-search-hits');

    await hit.getByRole('button', { name: 'Fetch music/rare-song.ogg' }).click();
    await openTab(page, 'Transfers');
    const bar = page
      .locator('#transfers-body tr')
      .filter({ hasText: 'rare-song' })
      .locator('progress');
    const seen: number[] = [];
    let shotRunning = false;
    await waitFor(
      async () => {
        const value = Number(await bar.getAttribute('value', { timeout: 30_000 }));
        if (seen.at(-1) !== value) seen.push(value);
        // Mid-way, once: rate, ETA and sources are only shown while running.
        if (value > 0 && value < 80 && !shotRunning) {
          shotRunning = true;
          await shot(page, '04a-transfers-fetch-running');
        }
        return value === 100;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: 'the progress bar to reach 100 %' },
    );
    console.log(`      progress bar values seen: ${seen.join(' ')} %`);
    expect(seen, 'progress never goes back').to.deep.equal([...seen].sort((a, b) => a - b));
    const done = page.locator('#transfers-body tr[data-state="completed"]', {
      hasText: 'rare-song',
    });
    await done.waitFor({ timeout: 30_000 });
    await shot(page, '04-transfers-fetch-complete');

    await openTab(page, 'My files');
    const row = page.locator(`#files-body tr[data-sha256="${hash}"]`);
    await row.waitFor({ timeout: 30_000 });
    const name = (await row.locator('td.name').textContent())!.split(', ')[0]!;
    expect(name).to.match(/rare-song\.ogg$/);
    expect(await readFile(join(peer1.shared, name))).to.deep.equal(rare);
    await shot(page, '05-my-files-after-fetch');
  });

  it('cancels a running fetch, which leaves nothing behind', async () => {
    await openTab(page, 'Search');
    await page.getByLabel('Search the network').fill('long mix');
    await page.getByLabel('Search the network').press('Enter');
    const hit = page.locator(`#search-body tr[data-sha256="${sha256(long)}"]`);
    // Slow enough (~24 s) that the fetch is still running when the click comes on a busy machine.
    peer3.daemon.transfers.bandwidth.update({ upload: '512KiB/s' });
    try {
      await hit
        .getByRole('button', { name: 'Fetch music/long-mix.ogg' })
        .click({ timeout: 30_000 });
      await openTab(page, 'Transfers');
      await page.getByRole('button', { name: 'Cancel long-mix.ogg' }).click({ timeout: 30_000 });
      await page
        .locator('#transfers-body tr[data-state="cancelled"]', { hasText: 'long-mix' })
        .waitFor({ timeout: 30_000 });
    } finally {
      peer3.daemon.transfers.bandwidth.update({ upload: 0 });
    }
    await shot(page, '04b-transfers-cancelled');
    await openTab(page, 'My files');
    await page.locator('#files-count', { hasText: '4 files' }).waitFor();
    expect(await page.locator(`#files-body tr[data-sha256="${sha256(long)}"]`).count()).to.equal(0);
    expect(await readdir(peer1.shared)).to.not.include('long-mix.ogg');
  });

  it('pushes a file to peer2, whose open UI shows it arrive under incoming/', async () => {
    const hash = sha256(notes);
    const page2 = await browser.newPage();
    await page2.goto(`${peer2.restUrl}/`);
    await uiReady(page2, 'peer2');
    await page2.locator('#files-count', { hasText: '1 file' }).waitFor();

    await openTab(page, 'My files');
    await page
      .locator(`#files-body tr[data-sha256="${hash}"]`)
      .getByRole('button', { name: 'Push notes/field-notes.txt to a neighbor' })
      .click();
    const dialog = page.getByRole('dialog', { name: /Push/ });
    await dialog.waitFor();
    await dialog.getByLabel('To neighbor').selectOption(peer2.grpcAddress);
    await shot(page, '06-push-dialog');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await page
      .locator('#transfers-body tr[data-state="completed"]', { hasText: 'push → ' })
      .waitFor({ timeout: 60_000 });

    // No reload: the event stream brings the new file.
    const row = page2.locator(`#files-body tr[data-sha256="${hash}"]`);
    await row.waitFor({ timeout: 30_000 });
    const name = (await row.locator('td.name').textContent())!;
    expect(name).to.match(/^incoming\/.*field-notes\.txt$/);
    expect(await readFile(join(peer2.shared, name))).to.deep.equal(notes);
    await shot(page2, '07-peer2-incoming');
    await page2.close();
  });

  it('fetches from two peers at once: the charts move, the chunk map fills in two colours, the button resets', async () => {
    await openTab(page, 'Search');
    await page.getByLabel('Search the network').fill('duet');
    await page.getByLabel('Search the network').press('Enter');
    const hit = page.locator(`#search-body tr[data-sha256="${sha256(duet)}"]`);
    await hit.locator('td.num', { hasText: /^2$/ }).waitFor({ timeout: 30_000 });
    const button = hit.getByRole('button', { name: /^Fetch(ing)? music\/duet\.flac$/ });
    // Both sources held to 2 MiB/s, so the fetch runs for several of the chart's 1 Hz samples
    // (unlimited on loopback it can end within two).
    for (const p of [peer2, peer3]) p.daemon.transfers.bandwidth.update({ upload: '2MiB/s' });
    try {
      await button.click();
      await waitFor(
        async () => (await button.isDisabled()) && (await button.textContent()) === 'Fetching…',
        {
          timeoutMs: 10_000,
          what: 'the button to say Fetching…',
        },
      );
      // Browser-side code as text: the test's TypeScript has no DOM types.
      const cursor = await page.evaluate<string>(
        `getComputedStyle(document.querySelector('#search-body tr[data-sha256="${sha256(duet)}"] button')).cursor`,
      );
      expect(cursor, 'a disabled button looks disabled').to.equal('not-allowed');
      await shot(page, '10-search-fetching');

      // Charts: the download rate sampled at 1 Hz takes several different values.
      await openTab(page, 'Activity');
      const down = page.locator('#rate-legend li[data-series="Download"]');
      const seen = new Set<number>();
      await waitFor(
        async () => {
          const value = Number(await down.getAttribute('data-value'));
          if (value > 0) seen.add(value);
          return seen.size >= 2;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: 'two different nonzero download rates' },
      );
      console.log(
        `      download rates sampled: ${[...seen].map((v) => Math.round(v / KiB)).join(', ')} KiB/s`,
      );
      expect(
        await page.locator('#rate-chart path[data-series="Download"]').getAttribute('d'),
      ).to.match(/L/);
      await page.locator('#rtt-legend li[data-series="peer2"]').waitFor();
      await shot(page, '11-activity-charts');

      // The chunk map: every chunk came from peer2 or peer3, named by id, not by address.
      await openTab(page, 'Transfers');
      const row = page.locator('#transfers-body tr[data-state="completed"]', { hasText: 'duet' });
      await row.waitFor({ timeout: 60_000 });
      expect(
        await page.locator('#transfers-body tr').first().getAttribute('data-transfer'),
      ).to.equal(await row.getAttribute('data-transfer'), 'newest first');
      const bar = row.locator('svg.chunk-bar');
      await waitFor(
        async () => (await bar.count()) > 0 && !(await bar.locator('rect.missing').count()),
        {
          timeoutMs: 10_000,
          what: 'a full chunk map',
        },
      );
      const origins = await bar
        .locator('rect')
        .evaluateAll((rects) =>
          rects.map((r) => `${r.getAttribute('data-origin')} ${r.getAttribute('class')}`),
        );
      const colours = new Set(origins.map((o) => o.split(' ')[1]));
      expect([...new Set(origins.map((o) => o.split(' ')[0]))].sort()).to.deep.equal(['0', '1']);
      expect(colours.size).to.equal(2);
      const sources = (await row.locator('td.sources').textContent())!;
      expect(sources).to.match(/peer2: .*peer3: |peer3: .*peer2: /);
      expect(sources).to.not.include('127.0.0.1');
      const legend = (await row.locator('.chunks .legend').textContent())!;
      expect(legend)
        .to.match(/from peer2/)
        .and.to.match(/from peer3/);
      await shot(page, '12-transfers-chunk-map');

      // The search row's button is a button again.
      await openTab(page, 'Search');
      await waitFor(async () => !(await button.isDisabled()), {
        what: 'the Fetch button to reset',
      });
      expect(await button.textContent()).to.equal('Fetch');
      expect(await hit.locator('.outcome').textContent()).to.equal('Fetched');
      await shot(page, '13-search-fetch-done');
    } finally {
      for (const p of [peer2, peer3]) p.daemon.transfers.bandwidth.update({ upload: 0 });
    }
  });

  it('maps the neighbors with their round-trip times and rings the holders a search found', async () => {
    await openTab(page, 'Search');
    await page.getByLabel('Search the network').fill('rare');
    await page.getByLabel('Search the network').press('Enter');
    await page.locator('#search-status', { hasText: /found for/ }).waitFor({ timeout: 30_000 });
    await openTab(page, 'Network');
    const map = page.locator('#network-map');
    for (const id of ['peer2', 'peer3']) {
      await map.locator(`g.node.neighbor[data-peer="${id}"]`).waitFor({ timeout: 20_000 });
    }
    await map.locator('g.node.self[data-peer="peer1"]').waitFor();
    await waitFor(
      async () =>
        (await map.locator('.link.own .rtt').allTextContents()).filter((t) => /^\d+ ms$/.test(t))
          .length === 2,
      {
        timeoutMs: 20_000,
        what: 'an RTT on both of peer1’s links',
      },
    );
    // peer2 reports peer3 (its neighbor): a link between them.
    await map.locator('.link:not(.own) path').first().waitFor({ timeout: 20_000 });
    expect(await map.locator('g.node.holder[data-peer="peer3"]').count()).to.equal(1);
    expect(await map.locator('g.node.holder[data-peer="peer2"]').count()).to.equal(0);
    await map.locator('g[data-peer="peer3"]').click();
    const details = page.locator('#peer-details');
    await details.locator('h2', { hasText: 'peer3' }).waitFor();
    expect(await details.textContent())
      .to.include('rare-song.ogg')
      .and.to.include(peer3.grpcAddress);
    expect(await details.locator('dt:text("Fetched from it") + dd').textContent()).to.match(/MiB/);
    await shot(page, '14-network-map');
    // The keyboard selects too.
    await map.locator('g[data-peer="peer2"]').focus();
    await page.keyboard.press('Enter');
    await details.locator('h2', { hasText: 'peer2' }).waitFor();
  });

  it('shows a live, filterable feed of events', async () => {
    await openTab(page, 'Events');
    await page.locator('#events-list li[data-type="download.completed"]').first().waitFor();
    await page.getByLabel('Filter by type', { exact: true }).fill('download.*');
    const shown = await page
      .locator('#events-list li:visible')
      .evaluateAll((items) => items.map((i) => i.getAttribute('data-type') ?? ''));
    expect(shown).to.not.be.empty;
    expect(shown.every((t) => t.startsWith('download.'))).to.equal(true);
    await shot(page, '08-events-download-filter');
    await page.getByLabel('Filter by type', { exact: true }).fill('');
  });

  it('has no serious or critical accessibility violations on any tab, light or dark (axe-core)', async () => {
    const tabs = ['My files', 'Search', 'Transfers', 'Activity', 'Network', 'Peers', 'Events'];
    const bad: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const tab of tabs) {
        await openTab(page, tab);
        const violations = await runAxe(page);
        const summary =
          violations.map((v) => `${v.id} (${v.impact}, ${v.nodes}: ${v.targets})`).join(', ') ||
          'none';
        console.log(`      axe ${colorScheme} ${tab}: ${violations.length} violations: ${summary}`);
        for (const v of violations) {
          if (v.impact === 'serious' || v.impact === 'critical')
            bad.push(`${colorScheme} ${tab}: ${v.id} ${v.targets}`);
        }
        if (colorScheme === 'dark')
          await shot(page, `15-dark-${tab.toLowerCase().replace(' ', '-')}`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    expect(bad).to.deep.equal([]);
  });

  it('is keyboard-navigable, with every control labelled', async () => {
    await openTab(page, 'My files');
    await page.getByRole('tab', { name: 'My files' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tabpanel', { name: 'Search' }).waitFor();
    await page.keyboard.press('End');
    await page.getByRole('tabpanel', { name: 'Events' }).waitFor();
    await page.keyboard.press('Home');
    await page.getByRole('tabpanel', { name: 'My files' }).waitFor();
    expect(await page.evaluate('document.activeElement.id')).to.equal('tab-files');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).to.equal('files-filter');
    // Browser-side code as text: the test's TypeScript has no DOM types.
    const unlabelled = await page.evaluate<string[]>(`[
      ...document.querySelectorAll('input, select, textarea, button, a[href]'),
    ]
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 80))`);
    expect(unlabelled).to.deep.equal([]);
  });

  it('fits a phone-sized window', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openTab(page, 'My files');
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow, 'no sideways scrolling').to.be.at.most(0);
    await shot(page, '09-phone-my-files');
  });

  it('showed no error and logged no console error; sent no request beyond 127.0.0.1', async () => {
    expect(await page.getByRole('alert').isVisible(), 'no error banner').to.equal(false);
    expect(browser.errors).to.deep.equal([]);
    expect(browser.requests).to.not.be.empty;
    expect(offHost(browser.requests)).to.deep.equal([]);
  });
});
