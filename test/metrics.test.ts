import { expect } from 'chai';
import { Metrics } from '../src/metrics.js';

describe('Metrics', () => {
  it('serves what was counted before the first scrape and after it', async () => {
    const metrics = new Metrics();
    metrics.sharedFiles.set(3);
    metrics.hashedBytes.inc(10);
    metrics.httpRequests.inc({ method: 'GET', route: '/api/v1/files', status: 200 });
    const first = await metrics.registry.metrics();
    expect(first).to.match(/^p2pd_shared_files 3$/m);
    expect(first).to.match(/^p2pd_hashed_bytes_total 10$/m);
    expect(first).to.match(/^p2pd_nats_events_published_total 0$/m);
    expect(first).to.match(
      /^p2pd_http_requests_total\{method="GET",route="\/api\/v1\/files",status="200"\} 1$/m,
    );
    expect(first).to.match(/^p2pd_process_cpu_seconds_total /m);

    metrics.httpRequests.inc({ method: 'GET', route: '/api/v1/files', status: 200 });
    metrics.natsState.set({ state: 'connected' }, 1);
    metrics.sharedFiles.set(2);
    const second = await metrics.registry.metrics();
    expect(second).to.match(/^p2pd_shared_files 2$/m);
    expect(second).to.match(/status="200"\} 2$/m);
    expect(second).to.match(/^p2pd_nats_connection_state\{state="connected"\} 1$/m);
  });
});
