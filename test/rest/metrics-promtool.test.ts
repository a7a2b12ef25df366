// /metrics as Prometheus's own checker sees it (promtool check metrics, from
// Debian's prometheus package), and the domain metrics after real work: a
// search and a fetch between two daemons.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { http } from '../fixtures/http.js';
import { waitFor } from '../fixtures/peers.js';
import { controlStream, peerPool, sha256Of } from '../transfer/helpers.js';

const DASHBOARD = fileURLToPath(new URL('../../../docs/grafana-dashboard.json', import.meta.url));

/** Runs `promtool check metrics` on the text; resolves its exit code and output. */
function promtool(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

/** The value of one sample line, e.g. `p2pd_searches_total{role="sent"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('metrics: promtool and domain metrics', function () {
  this.timeout(60_000);
  const { peer } = peerPool(64 * 1024);
  const scrape = async (restUrl: string): Promise<string> =>
    (await http(`${restUrl}/metrics`)).text();

  it('passes promtool check metrics and counts neighbors, bytes, searches, transfers, events', async () => {
    const content = Buffer.alloc(200_000, 7);
    const holder = await peer({ 'metric-sample.bin': content });
    const fetcher = await peer({}, { bootstrap: [holder.grpcAddress] });
    const done = await controlStream(fetcher.grpcAddress, 'Fetch', { name: 'metric-sample' });
    expect(done.last?.state).to.equal('completed');
    expect(done.last?.sha256).to.equal(sha256Of(content));

    const up = await waitFor(
      async () => {
        const text = await scrape(holder.restUrl);
        return sample(text, 'p2pd_transfer_bytes_total{direction="up"}') >= content.length
          ? text
          : undefined;
      },
      { what: 'the holder to count the bytes it served' },
    );
    const down = await scrape(fetcher.restUrl);
    for (const text of [up, down]) {
      const check = await promtool(text);
      expect(check.output, 'promtool check metrics').to.equal('');
      expect(check.code).to.equal(0);
    }
    expect(sample(down, 'p2pd_transfer_bytes_total{direction="down"}')).to.equal(content.length);
    // Served bytes are counted once, as grpc-js takes them.
    expect(sample(up, 'p2pd_transfer_bytes_total{direction="up"}')).to.equal(content.length);
    // And per peer: the fetcher by the address it told the holder, the holder by its own.
    expect(
      sample(down, `p2pd_peer_transfer_bytes{peer="${holder.grpcAddress}",direction="down"}`),
    ).to.equal(content.length);
    expect(
      sample(up, `p2pd_peer_transfer_bytes{peer="${fetcher.grpcAddress}",direction="up"}`),
    ).to.equal(content.length);
    expect(sample(down, 'p2pd_neighbors{state="connected"}')).to.equal(1);
    expect(sample(up, 'p2pd_neighbors{state="connected"}')).to.equal(1);
    expect(sample(down, 'p2pd_searches_total{role="sent"}')).to.be.at.least(1);
    expect(sample(up, 'p2pd_searches_total{role="served"}')).to.be.at.least(1);
    expect(sample(down, 'p2pd_transfers{kind="fetch",state="completed"}')).to.equal(1);
    expect(sample(down, 'p2pd_events_published_total{type="download.completed"}')).to.equal(1);
    // Drops are counted by event type: declared, and with nothing dropped, no series yet.
    expect(down).to.match(/^# TYPE p2pd_nats_events_dropped_total counter$/m);
    expect(down).not.to.match(/^p2pd_nats_events_dropped_total\{/m);
    expect(down).not.to.match(/^p2pd_nodejs_active_\w+_total/m);

    // The Grafana dashboard asks only for series a daemon serves.
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const asked = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => t.expr.match(/p2pd_\w+/g) ?? []),
    );
    expect(asked.length).to.be.greaterThan(10);
    for (const name of new Set(asked)) {
      expect(down, `docs/grafana-dashboard.json uses ${name}`).to.match(
        new RegExp(`^# TYPE ${name} `, 'm'),
      );
    }
  });
});
