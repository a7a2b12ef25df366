// One transfer seen through REST and gRPC: the same fields, the same values
// (gRPC names the times *_at_ms and has 0 for "not finished").
import { expect } from 'chai';
import { createControlClient, deadline, unaryCall } from '../../src/grpc/clients.js';
import type { ListTransfersResponse__Output } from '../../src/generated/p2p/v1/ListTransfersResponse.js';
import { getJson } from '../fixtures/http.js';
import { controlStream, peerPool, sha256Of } from '../transfer/helpers.js';

describe('contract: transfers over REST and gRPC', function () {
  this.timeout(30_000);
  const { peer } = peerPool(64 * 1024);

  it('a finished fetch by name reads the same through both', async () => {
    const content = Buffer.from('contract content');
    const holder = await peer({ 'contract-notes.txt': content });
    const fetcher = await peer({}, { bootstrap: [holder.grpcAddress] });
    const done = await controlStream(fetcher.grpcAddress, 'Fetch', { name: 'contract-notes' });
    expect(done.error).to.equal(undefined);
    const id = done.last!.id;
    const rest = await getJson<Record<string, unknown>>(
      `${fetcher.restUrl}/api/v1/transfers/${id}`,
    );
    const client = createControlClient(fetcher.grpcAddress);
    try {
      const list = await unaryCall<ListTransfersResponse__Output>((cb) =>
        client.ListTransfers({}, { deadline: deadline(5000) }, cb),
      );
      const grpc = list.transfers.find((t) => t.id === id)!;
      expect(grpc.sha256).to.equal(sha256Of(content));
      expect(rest).to.include({
        id: grpc.id,
        state: 'completed',
        sha256: grpc.sha256,
        name: grpc.name,
        bytesDone: grpc.bytesDone,
        note: grpc.note,
        startedAt: grpc.startedAtMs,
        finishedAt: grpc.finishedAtMs,
      });
      expect(grpc.startedAtMs).to.be.greaterThan(0);
      expect(grpc.finishedAtMs).to.be.at.least(grpc.startedAtMs);
    } finally {
      client.close();
    }
  });
});
