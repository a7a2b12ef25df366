// Bandwidth limits through REST and gRPC: both read the same limits, a change
// through one is seen by the other, and the same bad rates are refused by
// both with the same words (400 / INVALID_ARGUMENT), leaving nothing changed
// and emitting nothing. A change that lands emits limits.changed once.
import { expect } from 'chai';
import type { ServiceError } from '@grpc/grpc-js';
import type { ControlServiceClient } from '../../src/generated/p2p/v1/ControlService.js';
import type { Limits__Output } from '../../src/generated/p2p/v1/Limits.js';
import type { SetLimitsRequest } from '../../src/generated/p2p/v1/SetLimitsRequest.js';
import type { StatusResponse__Output } from '../../src/generated/p2p/v1/StatusResponse.js';
import type { EventEnvelope } from '../../src/events/types.js';
import { createControlClient, deadline, unaryCall } from '../../src/grpc/clients.js';
import { expectStatus, grpcFailure } from '../fixtures/grpc.js';
import { expectProblem, getJson, http } from '../fixtures/http.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';

const MiB = 1024 * 1024;

type LimitsJson = Omit<Limits__Output, never>;

describe('contract: bandwidth limits over REST and gRPC', function () {
  this.timeout(30_000);
  let peer: TestPeer;
  let control: ControlServiceClient;
  const events: EventEnvelope[] = [];

  before(async () => {
    peer = await startPeer({ id: 'limits', config: { limits: { upload: '1MiB/s' } } });
    control = createControlClient(peer.grpcAddress);
    peer.daemon.events.subscribe((e) => {
      if (e.type === 'limits.changed') events.push(e);
    });
  });
  after(async () => {
    control?.close();
    await peer?.stop();
  });

  const grpcGet = (): Promise<Limits__Output> =>
    unaryCall((cb) => control.GetLimits({}, { deadline: deadline(5000) }, cb));
  const grpcSet = (req: SetLimitsRequest): Promise<Limits__Output> =>
    unaryCall((cb) => control.SetLimits(req, { deadline: deadline(5000) }, cb));
  const restGet = (): Promise<LimitsJson> => getJson<LimitsJson>(`${peer.restUrl}/api/v1/limits`);
  const restSet = (body: unknown): Promise<Response> =>
    http(`${peer.restUrl}/api/v1/limits`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const limitsOf = (l: LimitsJson) => ({
    upload: l.upload,
    download: l.download,
    perPeerUpload: l.perPeerUpload,
    perPeerDownload: l.perPeerDownload,
  });

  it('both read the limits of the config', async () => {
    const expected = { upload: MiB, download: 0, perPeerUpload: 0, perPeerDownload: 0 };
    expect(limitsOf(await restGet())).to.deep.equal(expected);
    expect(limitsOf(await grpcGet())).to.deep.equal(expected);
    const rest = await restGet();
    expect(rest.upRate).to.be.a('number');
    expect(rest.downRate).to.be.a('number');
  });

  it('a change through one is seen by the other, and emits limits.changed', async () => {
    const res = await restSet({ upload: '5MiB/s', perPeerDownload: 65536 });
    expect(res.status).to.equal(200);
    const expected = { upload: 5 * MiB, download: 0, perPeerUpload: 0, perPeerDownload: 65536 };
    expect(limitsOf((await res.json()) as LimitsJson)).to.deep.equal(expected);
    expect(limitsOf(await grpcGet())).to.deep.equal(expected);
    expect(events.at(-1)?.data).to.deep.equal(expected);

    const set = await grpcSet({ download: '10Mbit/s', upload: '' });
    const after = { ...expected, download: 1_250_000 };
    expect(limitsOf(set)).to.deep.equal(after);
    expect(limitsOf(await restGet())).to.deep.equal(after);
    expect(events).to.have.length(2);

    // The same again changes nothing and says nothing.
    await grpcSet({ download: '1250000' });
    expect(events).to.have.length(2);
    await restSet({ upload: 0, download: 'unlimited', perPeerDownload: '0' });
    expect(limitsOf(await grpcGet())).to.deep.equal({
      upload: 0,
      download: 0,
      perPeerUpload: 0,
      perPeerDownload: 0,
    });
  });

  it('status carries the limits through both', async () => {
    await restSet({ perPeerUpload: '256KiB/s' });
    const rest = await getJson<{ limits: LimitsJson }>(`${peer.restUrl}/api/v1/status`);
    const grpc = await unaryCall<StatusResponse__Output>((cb) =>
      control.Status({}, { deadline: deadline(5000) }, cb),
    );
    expect(limitsOf(rest.limits)).to.deep.equal(limitsOf(grpc.limits!));
    expect(rest.limits.perPeerUpload).to.equal(256 * 1024);
    await restSet({ perPeerUpload: 0 });
  });

  it('/metrics has the limits in force', async () => {
    await restSet({ upload: '3MiB/s' });
    const text = await (await http(`${peer.restUrl}/metrics`)).text();
    expect(text).to.match(
      /^p2pd_bandwidth_limit_bytes_per_second\{direction="up",scope="global"\} 3145728$/m,
    );
    expect(text).to.match(
      /^p2pd_bandwidth_limit_bytes_per_second\{direction="down",scope="peer"\} 0$/m,
    );
    await restSet({ upload: 0 });
  });

  const bad: [string, SetLimitsRequest, RegExp][] = [
    ['a negative rate', { upload: '-5' }, /upload: expected a rate like/],
    ['a garbage string', { download: 'as fast as you can' }, /download: expected a rate like/],
    ['a huge rate', { perPeerUpload: '200GiB/s' }, /perPeerUpload: must be at most 100 GiB\/s/],
    ['a rate too small', { perPeerDownload: '10' }, /perPeerDownload: .*at least 1 KiB\/s/],
    ['bits without a capital B', { upload: '5Mb/s' }, /upload: expected a rate/],
  ];
  for (const [what, change, detail] of bad) {
    it(`both refuse ${what} with the same words, changing nothing`, async () => {
      const before = limitsOf(await restGet());
      const seen = events.length;
      const problem = await expectProblem(await restSet(change), 400, 'INVALID_ARGUMENT');
      const err: ServiceError = await grpcFailure(grpcSet({ upload: '1MiB/s', ...change }));
      expectStatus(err, 'INVALID_ARGUMENT');
      expect(problem.detail).to.match(detail);
      expect(err.details).to.equal(problem.detail);
      expect(limitsOf(await grpcGet())).to.deep.equal(before);
      expect(events.length).to.equal(seen);
    });
  }

  it('REST refuses bodies that are not a change of limits', async () => {
    const cases: [unknown, RegExp][] = [
      [{ upload: -1 }, /upload: must be 0 \(unlimited\) or a positive rate/],
      [{ download: 1e300 }, /download: must be at most 100 GiB\/s/],
      [{ upload: true }, /body\.upload/],
      [{ up: '5MiB/s' }, /unknown parameter "up"/],
      ['[1, 2]', /body/],
      ['not json', /.+/],
    ];
    for (const [body, detail] of cases) {
      const problem = await expectProblem(await restSet(body), 400);
      expect(problem.detail, JSON.stringify(body)).to.match(detail);
    }
    expect(limitsOf(await restGet()).upload).to.equal(0);
  });
});
