// `p2pd limit`: the real binary shows and changes a running daemon's limits,
// and refuses a rate it cannot read before calling the daemon (exit 2).
import { expect } from 'chai';
import { startPeer, type TestPeer } from '../fixtures/peers.js';
import { runP2pd } from '../fixtures/spawn.js';

describe('cli: p2pd limit', function () {
  this.timeout(60_000);
  let peer: TestPeer;
  before(async () => {
    peer = await startPeer({ id: 'cli-limits', config: { limits: { download: '2MiB/s' } } });
  });
  after(() => peer?.stop());

  it('shows the limits and the rates now', async () => {
    const r = await runP2pd(['limit', '--addr', peer.grpcAddress]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^upload\s+unlimited \(now 0 B\/s\)$/m);
    expect(r.stdout).to.match(/^download\s+2 MiB\/s \(now 0 B\/s\)$/m);
    expect(r.stdout).to.match(/^per peer up\s+unlimited$/m);
  });

  it('changes them while the daemon runs', async () => {
    const r = await runP2pd([
      'limit',
      '--addr',
      peer.grpcAddress,
      '--up',
      '5MiB/s',
      '--down',
      '0',
      '--peer-up',
      '500KiB/s',
    ]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^upload\s+5 MiB\/s/m);
    expect(r.stdout).to.match(/^download\s+unlimited/m);
    expect(r.stdout).to.match(/^per peer up\s+500 KiB\/s$/m);
    expect(peer.daemon.transfers.bandwidth.current()).to.deep.equal({
      upload: 5 * 1024 * 1024,
      download: 0,
      perPeerUpload: 500 * 1024,
      perPeerDownload: 0,
    });
    const status = await runP2pd(['status', '--addr', peer.grpcAddress]);
    expect(status.stdout).to.match(
      /^limits\s+up 5 MiB\/s, down unlimited; per peer up 500 KiB\/s, down unlimited$/m,
    );
    const json = await runP2pd(['limit', '--addr', peer.grpcAddress, '--json']);
    expect(JSON.parse(json.stdout)).to.include({ upload: 5 * 1024 * 1024, perPeerDownload: 0 });
  });

  it('refuses a rate it cannot read, naming the flag, before calling the daemon', async () => {
    for (const [arg, problem] of [
      ['--up=fast', /--up: expected a rate like "5MiB\/s"/],
      ['--peer-down=-1MiB/s', /--peer-down: expected a rate/],
      ['--down=1PiB/s', /--down: expected a rate/],
      ['--peer-up=1e12', /--peer-up: expected a rate/],
    ] as const) {
      const r = await runP2pd(['limit', '--addr', peer.grpcAddress, arg]);
      expect(r.code, arg).to.equal(2);
      expect(r.stderr).to.match(problem);
    }
    expect(peer.daemon.transfers.bandwidth.current().upload).to.equal(5 * 1024 * 1024);
  });
});
