// The web UI of a daemon with rest.token: it asks once, then sends the token
// as a bearer header (and as access_token where a browser cannot send headers).
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
        api.some((r) => r.url.endsWith('/api/v1/transfers') && r.auth) &&
        api.some((r) => r.url.includes('/api/v1/events?access_token=')),
      { timeoutMs: 30_000, what: 'the transfers and events requests' },
    );
    expect(prompts).to.equal(1);

    // After the answer, every API request carries the token: a header from
    // fetch, access_token from EventSource (GET only).
    const answered = api.findIndex((r) => r.auth === `Bearer ${TOKEN}`);
    expect(answered).to.be.at.least(1);
    for (const r of api.slice(answered)) {
      const query = new URL(r.url).searchParams.get('access_token');
      expect(r.auth === `Bearer ${TOKEN}` || query === TOKEN, r.url).to.equal(true);
    }
    const download = await page
      .getByRole('link', { name: 'Download secret-plans.txt' })
      .getAttribute('href');
    expect(new URL(download!, peer.restUrl).searchParams.get('access_token')).to.equal(TOKEN);
    expect(await page.getByRole('alert').isVisible()).to.equal(false);
    expect(offHost(browser.requests)).to.deep.equal([]);
  });
});
