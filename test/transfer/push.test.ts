// Pushes: a peer sends a shared file to another, whose Upload enforces its
// policy before taking a byte and leaves nothing behind when it refuses.
import type { ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deadline } from '../../src/grpc/clients.js';
import { strangerClient } from '../fixtures/stranger.js';
import type { UploadResponse__Output } from '../../src/generated/p2p/v1/UploadResponse.js';
import { startPeer, waitFor, type TestPeer } from '../fixtures/peers.js';
import { mountTmpfs } from '../fixtures/tmpfs.js';
import {
  KiB,
  controlStream,
  filesUnder,
  randomContent,
  sha256Of,
  sha256OfFile,
} from './helpers.js';

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_INTERNAL = 13;

interface RawUpload {
  header: { name: string; size: number; sha256: string; sender?: { id: string; address: string } };
  pieces: Buffer[];
  /** Cancel the call instead of ending it. */
  cancel?: boolean;
}

/** Speaks PeerService.Upload directly, to send what a correct peer never would. */
function rawUpload(
  address: string,
  upload: RawUpload,
): Promise<{ error?: ServiceError; response?: UploadResponse__Output }> {
  const client = strangerClient(address);
  return new Promise((resolve) => {
    const call = client.Upload({ deadline: deadline(20_000) }, (error, response) => {
      client.close();
      resolve(error ? { error } : { ...(response ? { response } : {}) });
    });
    call.on('error', () => undefined);
    call.write({ header: upload.header });
    for (const data of upload.pieces) call.write({ data });
    if (upload.cancel) setImmediate(() => call.cancel());
    else call.end();
  });
}

describe('transfer: push and upload policy', function () {
  this.timeout(60_000);
  const peers: TestPeer[] = [];

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.stop()));
  });

  async function peer(id: string, files: Record<string, Buffer> = {}, upload = {}) {
    const p = await startPeer({
      id,
      files,
      config: { index: { chunkSize: 16 * KiB, watch: false }, upload },
    });
    peers.push(p);
    return p;
  }

  /** The receiver kept nothing: only its own files, no temp files. */
  async function expectNothingLeft(receiver: TestPeer, own: string[] = []) {
    await waitFor(async () => (await filesUnder(join(receiver.dir, 'data', 'tmp'))).length === 0, {
      what: 'temp files removed',
    });
    expect((await filesUnder(receiver.shared)).sort()).to.deep.equal(own.sort());
  }

  it('pushes a file into the receiver quarantine folder, by hash and by name', async () => {
    const content = randomContent(200 * KiB);
    const sender = await peer('alice', { 'docs/song.mp3': content });
    const receiver = await peer('bob');
    const events: string[] = [];
    receiver.daemon.events.subscribe((e) => events.push(`bob:${e.type}`));
    sender.daemon.events.subscribe((e) => events.push(`alice:${e.type}`));

    const byHash = await controlStream(sender.grpcAddress, 'Push', {
      sha256: sha256Of(content),
      peer: receiver.grpcAddress,
    });
    expect(byHash.error, byHash.error?.message).to.equal(undefined);
    expect(byHash.last?.state).to.equal('completed');
    expect(byHash.last?.kind).to.equal('push');
    expect(byHash.last?.path).to.equal('incoming/song.mp3');
    expect(await sha256OfFile(join(receiver.shared, 'incoming', 'song.mp3'))).to.equal(
      sha256Of(content),
    );
    expect(receiver.daemon.index.get(sha256Of(content))?.names).to.deep.equal([
      'incoming/song.mp3',
    ]);
    expect(events).to.include('bob:upload.received');
    expect(events).to.include('alice:upload.sent');

    // Again by name: the receiver never overwrites, the copy gets its own name.
    const byName = await controlStream(sender.grpcAddress, 'Push', {
      name: 'docs/song.mp3',
      peer: receiver.grpcAddress,
    });
    expect(byName.last?.state).to.equal('completed');
    expect(byName.last?.path).to.equal('incoming/song (1).mp3');
  });

  it('pushes an empty file', async () => {
    const sender = await peer('alice', { 'empty.txt': Buffer.alloc(0) });
    const receiver = await peer('bob');
    const result = await controlStream(sender.grpcAddress, 'Push', {
      name: 'empty.txt',
      peer: receiver.grpcAddress,
    });
    expect(result.last?.state).to.equal('completed');
    expect(await filesUnder(receiver.shared)).to.deep.equal(['incoming/empty.txt']);
  });

  for (const [label, upload, code] of [
    ['uploads are disabled', { enabled: false }, GRPC_PERMISSION_DENIED],
    ['the sender is not allowed', { allowedPeers: ['carol'] }, GRPC_PERMISSION_DENIED],
    ['the file is over the size limit', { maxFileBytes: 1000 }, GRPC_RESOURCE_EXHAUSTED],
    ['the quota is used up', { quotaBytes: 1000 }, GRPC_RESOURCE_EXHAUSTED],
  ] as const) {
    it(`refuses a push when ${label}, keeping nothing`, async () => {
      const content = randomContent(2000);
      const sender = await peer('alice', { 'a.bin': content });
      const receiver = await peer('bob', {}, upload);
      const result = await controlStream(sender.grpcAddress, 'Push', {
        sha256: sha256Of(content),
        peer: receiver.grpcAddress,
      });
      expect(result.error?.code).to.equal(code);
      expect(result.last?.state).to.equal('failed');
      expect(result.last?.error).to.not.equal('');
      await expectNothingLeft(receiver);
    });
  }

  it('counts what is already in quarantine against the quota', async () => {
    const first = randomContent(3000);
    const second = randomContent(3000);
    const sender = await peer('alice', { '1.bin': first, '2.bin': second });
    const receiver = await peer('bob', {}, { quotaBytes: 5000 });
    const ok = await controlStream(sender.grpcAddress, 'Push', {
      name: '1.bin',
      peer: receiver.grpcAddress,
    });
    expect(ok.last?.state).to.equal('completed');
    const over = await controlStream(sender.grpcAddress, 'Push', {
      name: '2.bin',
      peer: receiver.grpcAddress,
    });
    expect(over.error?.code).to.equal(GRPC_RESOURCE_EXHAUSTED);
    await expectNothingLeft(receiver, ['incoming/1.bin']);
  });

  it('lets an allowed peer push', async () => {
    const content = randomContent(1000);
    const sender = await peer('alice', { 'a.bin': content });
    const receiver = await peer('bob', {}, { allowedPeers: ['alice'] });
    const result = await controlStream(sender.grpcAddress, 'Push', {
      name: 'a.bin',
      peer: receiver.grpcAddress,
    });
    expect(result.last?.state).to.equal('completed');
  });

  it('answers NOT_FOUND when pushing a file this peer does not share', async () => {
    const sender = await peer('alice');
    const receiver = await peer('bob');
    const result = await controlStream(sender.grpcAddress, 'Push', {
      sha256: sha256Of(Buffer.from('nope')),
      peer: receiver.grpcAddress,
    });
    expect(result.error?.code).to.equal(GRPC_NOT_FOUND);
  });

  it('refuses a push that does not fit on the disk with RESOURCE_EXHAUSTED, keeping nothing', async () => {
    const disk = await mountTmpfs('1m');
    try {
      const content = randomContent(2 * 1024 * 1024);
      const sender = await peer('alice', { 'big.bin': content });
      const receiver = await startPeer({
        id: 'bob',
        config: { sharedDir: disk.dir, index: { chunkSize: 16 * KiB, watch: false } },
      });
      try {
        const raw = await rawUpload(receiver.grpcAddress, {
          header: { name: 'big.bin', size: content.length, sha256: sha256Of(content) },
          pieces: [content],
        });
        expect(raw.error?.code, raw.error?.details).to.equal(GRPC_RESOURCE_EXHAUSTED);
        expect(raw.error?.metadata.get('p2p-error')).to.deep.equal(['NoSpaceError']);
        expect(raw.error?.details).to.not.include(disk.dir);
        const pushed = await controlStream(sender.grpcAddress, 'Push', {
          name: 'big.bin',
          peer: receiver.grpcAddress,
        });
        expect(pushed.error?.code).to.equal(GRPC_RESOURCE_EXHAUSTED);
        expect(pushed.last?.error).to.match(/no space left/);
        await expectNothingLeft(receiver);
        expect(await filesUnder(disk.dir)).to.deep.equal([]);
      } finally {
        await receiver.stop();
      }
    } finally {
      await disk.unmount();
    }
  });

  it('answers FAILED_PRECONDITION when a file is in the way of the quarantine folder', async () => {
    const content = randomContent(1000);
    const receiver = await peer('bob', { incoming: Buffer.from('a file, not a folder') });
    const result = await rawUpload(receiver.grpcAddress, {
      header: { name: 'x.bin', size: content.length, sha256: sha256Of(content) },
      pieces: [content],
    });
    expect(result.error?.code, result.error?.details).to.equal(GRPC_FAILED_PRECONDITION);
    expect(result.error?.metadata.get('p2p-error')).to.deep.equal(['ConflictError']);
    await expectNothingLeft(receiver, ['incoming']);
  });

  it('answers an unexpected failure with INTERNAL naming no path of the receiver', async () => {
    const content = randomContent(1000);
    const receiver = await peer('bob');
    // The temp folder is a file: writing fails for a reason the receiver did not expect.
    await writeFile(join(receiver.dir, 'data', 'tmp'), 'in the way');
    const result = await rawUpload(receiver.grpcAddress, {
      header: { name: 'x.bin', size: content.length, sha256: sha256Of(content) },
      pieces: [content],
    });
    expect(result.error?.code, result.error?.details).to.equal(GRPC_INTERNAL);
    expect(result.error?.details).to.not.include(receiver.dir);
    expect(result.error?.details).to.match(/^an unexpected error \(EEXIST\)/);
    await rm(join(receiver.dir, 'data', 'tmp'));
  });

  describe('a raw Upload that breaks the rules', () => {
    const content = randomContent(5000);
    const good = { name: 'x.bin', size: content.length, sha256: sha256Of(content) };
    const cases: [string, RawUpload][] = [
      ['a name with ../', { header: { ...good, name: '../escape.bin' }, pieces: [content] }],
      ['an absolute name', { header: { ...good, name: '/etc/passwd' }, pieces: [content] }],
      ['a name with NUL', { header: { ...good, name: 'a\0b.bin' }, pieces: [content] }],
      ['a temp-file name', { header: { ...good, name: 'x.part' }, pieces: [content] }],
      ['a malformed hash', { header: { ...good, sha256: 'xyz' }, pieces: [content] }],
      [
        'a hash mismatch',
        { header: { ...good, sha256: sha256Of(Buffer.from('other')) }, pieces: [content] },
      ],
      ['a truncated stream', { header: good, pieces: [content.subarray(0, 3000)] }],
      ['more data than announced', { header: good, pieces: [content, Buffer.from('extra')] }],
      ['no header', { header: undefined as never, pieces: [content] }],
    ];
    for (const [label, upload] of cases) {
      it(`is refused with INVALID_ARGUMENT: ${label}, nothing left behind`, async () => {
        const receiver = await peer('bob');
        const result = await rawUpload(receiver.grpcAddress, upload);
        expect(result.error?.code, result.error?.details).to.equal(GRPC_INVALID_ARGUMENT);
        await expectNothingLeft(receiver);
      });
    }

    it('is refused with PERMISSION_DENIED when it claims to come from the receiver itself', async () => {
      const receiver = await peer('bob');
      const result = await rawUpload(receiver.grpcAddress, {
        header: { ...good, sender: { id: 'bob', address: receiver.grpcAddress } },
        pieces: [content],
      });
      expect(result.error?.code, result.error?.details).to.equal(7); // PERMISSION_DENIED
      expect(result.error?.details).to.match(/from this peer itself/);
      await expectNothingLeft(receiver);
    });

    it('leaves nothing behind when the sender cancels mid-stream', async () => {
      const receiver = await peer('bob');
      const big = randomContent(4 * 1024 * 1024);
      const client = strangerClient(receiver.grpcAddress);
      const finished = new Promise<ServiceError | null>((resolve) => {
        const call = client.Upload({ deadline: deadline(20_000) }, (error) => resolve(error));
        call.on('error', () => undefined);
        call.write({ header: { name: 'big.bin', size: big.length, sha256: sha256Of(big) } });
        call.write({ data: big.subarray(0, 1024 * 1024) });
        // Cancel once the receiver is writing its temp file.
        void waitFor(async () => (await filesUnder(join(receiver.dir, 'data', 'tmp'))).length > 0, {
          what: 'the receiver to start writing',
        }).then(() => call.cancel());
      });
      expect((await finished)?.code).to.equal(1); // CANCELLED, as the sender sees it
      client.close();
      await expectNothingLeft(receiver);
    });
  });
});
