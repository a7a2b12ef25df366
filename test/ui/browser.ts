// Headless Debian Chromium driven by playwright-core (which never downloads a
// browser), with every request, console error and page error recorded.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots for a reviewer: test-artifacts/ui/ at the repository root (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/ui/', import.meta.url));

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** Every URL any page requested, in order. */
  requests: string[];
  /** Console errors and uncaught page errors, as text. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'p2pd-chromium-'));
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      acceptDownloads: true,
      viewport: { width: 1200, height: 800 },
      timeout: 60_000,
    })
    .catch(async (err: unknown) => {
      // No browser, no profile left behind.
      await rm(profile, { recursive: true, force: true });
      throw err;
    });
  const requests: string[] = [];
  const errors: string[] = [];
  const watch = (page: Page): void => {
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    context,
    requests,
    errors,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Requests that would leave this host (data: URLs never do). */
export function offHost(urls: readonly string[]): string[] {
  return urls.filter((u) => {
    const url = new URL(u);
    return url.protocol !== 'data:' && url.hostname !== '127.0.0.1';
  });
}

/**
 * Loads `url` and sums the bytes transferred (headers + encoded bodies) of every
 * request that finished by the time `ready` resolves; endless streams (the event
 * stream) never finish and are left out. Also the bodies alone, and gzipped one by
 * one: what the page would weigh behind a compressing proxy.
 */
export async function loadAndWeigh(
  page: Page,
  url: string,
  ready: () => Promise<unknown>,
): Promise<{ bytes: number; requests: number; bodyBytes: number; gzipBytes: number }> {
  const sizes: Promise<{ wire: number; body: number; gzip: number }>[] = [];
  const onFinished = (request: Request): void => {
    sizes.push(
      (async () => {
        const s = await request.sizes();
        const body =
          (await (await request.response())?.body().catch(() => undefined)) ?? Buffer.alloc(0);
        return {
          wire: s.responseHeadersSize + s.responseBodySize,
          body: body.length,
          gzip: body.length > 0 ? gzipSync(body, { level: 9 }).length : 0,
        };
      })(),
    );
  };
  page.on('requestfinished', onFinished);
  try {
    await page.goto(url, { waitUntil: 'load' });
    await ready();
  } finally {
    page.off('requestfinished', onFinished);
  }
  const all = await Promise.all(sizes);
  const sum = (pick: (s: { wire: number; body: number; gzip: number }) => number): number =>
    all.reduce((a, s) => a + pick(s), 0);
  return {
    bytes: sum((s) => s.wire),
    requests: all.length,
    bodyBytes: sum((s) => s.body),
    gzipBytes: sum((s) => s.gzip),
  };
}
