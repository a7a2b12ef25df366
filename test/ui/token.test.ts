// The web UI of a daemon with rest.token: it asks once, then sends the token as a
// bearer header, and opens a session cookie for what a browser cannot send headers
// with (the event stream, download links). The token never appears in a URL.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { launchBrowser, offHost, type Browser } from './browser.js';

const TOKEN = 'correct-horse-battery-staple';

describe('web UI: a daemon with an API token', function () {
  this.timeout(120_000);
  let peer: TestPeer | undefined;
  let browser: Browser | undefined;

  afterEach(async () => {
    await browser?.close();
    await peer?.stop();
    browser = undefined;
    peer = undefined;
  });

  it('asks for the token once and sends it with every API request', async () => {
    peer = await startPeer({
      id: 'locked',
      files: { 'secret-plans.txt': 'plans' },
      config: { rest: { token: TOKEN } },
    });
    browser = await launchBrowser();
    const page: Page = await browser.newPage();
    const api: { url: string; auth: string | undefined }[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) {
        api.push({ url: r.url(), auth: r.headers()['authorization'] });
      }
    });
    const eventStatus: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/events') eventStatus.push(r.status());
    });
    let prompts = 0;
    await page.exposeFunction('countPrompt', () => prompts++);
    await page.addInitScript(`{
      const show = HTMLDialogElement.prototype.showModal;
      HTMLDialogElement.prototype.showModal = function () {
        if (this.id === 'token-dialog') window.countPrompt();
        return show.call(this);
      };
    }`);

    await page.goto(`${peer.restUrl}/`);
    const dialog = page.getByRole('dialog', { name: 'This daemon needs a token' });
    await dialog.waitFor();
    await dialog.getByLabel('API token').fill(TOKEN);
    await dialog.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#peer-id', { hasText: 'locked' }).waitFor();
    await page.locator('#files-body tr', { hasText: 'secret-plans.txt' }).waitFor();
    await waitFor(
      () =>
        api.some((r) => r.url.endsWith('/api/v1/transfers') && r.auth) && eventStatus.includes(200),
      { timeoutMs: 30_000, what: 'the transfers and events requests' },
    );
    expect(prompts).to.equal(1);

    // After the answer, fetch() sends the header; the event stream and links ride on
    // the session cookie, and no URL ever holds the token.
    const answered = api.findIndex((r) => r.auth === `Bearer ${TOKEN}`);
    expect(answered).to.be.at.least(1);
    expect(
      api.filter((r) => r.url.includes(TOKEN) || r.url.includes('access_token')),
    ).to.deep.equal([]);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).to.deep.equal([
      ['p2pd-session-locked', true, 'Strict'],
    ]);
    const download = await page
      .getByRole('link', { name: 'Download secret-plans.txt' })
      .getAttribute('href');
    expect(download).not.to.include(TOKEN);
    const fetched = await page.evaluate(async (href) => {
      const res = await fetch(href);
      return [res.status, await res.text()];
    }, download!);
    expect(fetched).to.deep.equal([200, 'plans']);
    expect(await page.getByRole('alert').isVisible()).to.equal(false);
    expect(offHost(browser.requests)).to.deep.equal([]);
  });
});
