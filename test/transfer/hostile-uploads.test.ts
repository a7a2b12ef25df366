// Hostile pushers: an Upload header that reserves the quota and then sends
// nothing holds it only for upload.stallMs, and empty files count against
// upload.maxFiles, so neither can shut other senders out.
import type { ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import type { PeerServiceClient } from '../../src/generated/p2p/v1/PeerService.js';
import { expectStatus } from '../fixtures/grpc.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { randomContent, sha256Of } from './helpers.js';

const QUOTA = 10_000;
const STALL_MS = 1000;
const MAX_FILES = 20;

describe('transfer: hostile uploads', function () {
  this.timeout(30_000);
  let receiver: TestPeer;
  let client: PeerServiceClient;

  beforeEach(async () => {
    receiver = await startPeer({
      config: {
        index: { watch: false },
        upload: { quotaBytes: QUOTA, stallMs: STALL_MS, maxFiles: MAX_FILES },
      },
    });
    client = strangerClient(receiver.grpcAddress);
  });

  afterEach(async () => {
    client.close();
    await receiver.stop();
  });

  /** Sends a header and `data`, then ends the call; resolves with its error, if any. */
  function upload(name: string, data: Buffer): Promise<ServiceError | null> {
    return new Promise((resolve) => {
      const call = client.Upload({ deadline: deadline(20_000) }, (error) => resolve(error));
      call.on('error', () => undefined);
      call.write({ header: { name, size: data.length, sha256: sha256Of(data) } });
      if (data.length > 0) call.write({ data });
      call.end();
    });
  }

  it('drops a reservation whose upload sends no data, and lets others push after', async () => {
    const claim = randomContent(QUOTA);
    const started = Date.now();
    // Header only: the whole quota reserved, not a byte sent, the call left open.
    const silentCall = new Promise<ServiceError | null>((resolve) => {
      const call = client.Upload({ deadline: deadline(20_000) }, (error) => resolve(error));
      call.on('error', () => undefined);
      call.write({ header: { name: 'hold.bin', size: QUOTA, sha256: sha256Of(claim) } });
    });
    // Held: an honest push does not fit meanwhile.
    const small = randomContent(100);
    let refused: ServiceError | null = null;
    for (let i = 0; i < 50 && !refused; i++) refused = await upload(`early-${i}.bin`, small);
    expect(refused, 'a push while the quota is held').to.not.equal(null);
    expectStatus(refused!, 'RESOURCE_EXHAUSTED');

    const silentError = await silentCall;
    const heldMs = Date.now() - started;
    expect(silentError, 'the silent upload').to.not.equal(null);
    expectStatus(silentError!, 'DEADLINE_EXCEEDED');
    expect(heldMs).to.be.below(STALL_MS * 4);
    expect(await upload('late.bin', small)).to.equal(null);
    console.log(`      a silent upload held the quota ${heldMs} ms (stallMs ${STALL_MS})`);
  });

  it('counts empty files against upload.maxFiles', async () => {
    const empty = Buffer.alloc(0);
    const results: (ServiceError | null)[] = [];
    for (let i = 0; i < MAX_FILES + 5; i++) results.push(await upload(`empty-${i}.txt`, empty));
    const accepted = results.filter((r) => r === null).length;
    const refused = results.filter((r) => r !== null);
    console.log(`      ${results.length} empty files pushed: ${accepted} accepted`);
    expect(accepted).to.equal(MAX_FILES);
    expect(refused).to.have.length(5);
    for (const err of refused) expectStatus(err!, 'RESOURCE_EXHAUSTED');
  });
});
