// Hostile pushers: an Upload header that reserves the quota and then sends
// nothing holds it only for upload.stallMs, and empty files count against
// upload.maxFiles, so neither can shut other senders out.
import { status, type ServiceError } from '@grpc/grpc-js';
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

  /**
   * Sends a header announcing `size` bytes (`data`'s length unless given) and
   * `data`, then ends the call; resolves with its error, if any.
   */
  function upload(name: string, data: Buffer, size = data.length): Promise<ServiceError | null> {
    return new Promise((resolve) => {
      const call = client.Upload({ deadline: deadline(20_000) }, (error) => resolve(error));
      call.on('error', () => undefined);
      call.write({ header: { name, size, sha256: sha256Of(data) } });
      if (data.length > 0) call.write({ data });
      call.end();
    });
  }

  it('drops a reservation whose upload sends no data, and lets others push after', async () => {
    const claim = randomContent(QUOTA);
    /** Header only: the whole quota reserved, not a byte sent, the call left open. */
    const holdQuota = (): { started: number; settled: Promise<ServiceError | null> } => {
      const started = Date.now();
      const settled = new Promise<ServiceError | null>((resolve) => {
        const call = client.Upload({ deadline: deadline(20_000) }, (error) => resolve(error));
        call.on('error', () => undefined);
        call.write({ header: { name: 'hold.bin', size: QUOTA, sha256: sha256Of(claim) } });
      });
      return { started, settled };
    };
    /** A header with no data: refused as truncated, so it never stores a byte. */
    const probe = (): Promise<ServiceError | null> => upload('probe.bin', Buffer.alloc(0), 100);

    // The silent call's header may be read while a probe still holds its
    // 100 bytes; it is refused for the quota then, and opened again.
    let silent = holdQuota();
    let silentDone: ServiceError | null | undefined;
    void silent.settled.then((e) => (silentDone = e));
    let refused: ServiceError | null = null;
    for (let i = 0; i < 50 && !refused; i++) {
      if (silentDone !== undefined) {
        expectStatus(silentDone!, 'RESOURCE_EXHAUSTED');
        silent = holdQuota();
        silentDone = undefined;
        void silent.settled.then((e) => (silentDone = e));
      }
      const err = await probe();
      expect(err, 'a header with no data').to.not.equal(null);
      if (status[err!.code] === 'RESOURCE_EXHAUSTED') refused = err;
      else expectStatus(err!, 'INVALID_ARGUMENT');
    }
    // Held: a push's header does not fit meanwhile.
    expect(refused, 'a push while the quota is held').to.not.equal(null);

    const silentError = await silent.settled;
    const heldMs = Date.now() - silent.started;
    expect(silentError, 'the silent upload').to.not.equal(null);
    expectStatus(silentError!, 'DEADLINE_EXCEEDED');
    expect(heldMs).to.be.below(STALL_MS * 4);
    expect(await upload('late.bin', randomContent(100))).to.equal(null);
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
