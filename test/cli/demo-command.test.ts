// `p2pd demo --peers N`: a local network from one command, stopped by Ctrl-C.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { closestCommand, editDistance } from '../../src/cli/suggest.js';
import { waitFor } from '../fixtures/peers.js';
import { getJson } from '../fixtures/http.js';
import { runP2pd, spawnP2pd } from '../fixtures/spawn.js';

describe('cli demo', function () {
  this.timeout(60_000);

  it('runs N joined peers with sample files, and Ctrl-C stops them and cleans up', async () => {
    const demo = spawnP2pd(['demo', '--peers', '3']);
    try {
      const out = await demo.waitForOutput(/Ctrl-C stops every peer/, 30_000);
      const folder = /their folders in (\S+)/.exec(out)![1]!;
      const uis = [...out.matchAll(/web UI (http:\/\/127\.0\.0\.1:\d+)\//g)].map((m) => m[1]!);
      expect(uis).to.have.length(3);
      const first = uis[0]!;
      await waitFor(
        async () => (await getJson<{ peers: number }>(`${first}/api/v1/status`)).peers === 2,
        { timeoutMs: 15_000, what: 'peer1 to have both others as neighbors' },
      );
      // Peers index their samples in the background and tell neighbors in their keyword
      // tables; a search the moment they join can beat that, so ask until both answer.
      const holders = async (): Promise<string[]> =>
        (
          await getJson<{ hits: { peer: { id: string } }[] }>(
            `${first}/api/v1/search?q=song&timeout_ms=2000`,
          )
        ).hits
          .map((h) => h.peer.id)
          .sort();
      let found: string[] = [];
      await waitFor(async () => (found = await holders()).length >= 2, {
        timeoutMs: 20_000,
        what: 'both holders of the song to answer a search',
      });
      expect(found).to.deep.equal(['peer2', 'peer3']);
      expect(existsSync(folder)).to.equal(true);
      demo.kill('SIGINT');
      expect((await demo.exited).code).to.equal(0);
      expect(existsSync(folder), 'the temp folder is removed').to.equal(false);
    } finally {
      demo.kill('SIGKILL');
    }
  });

  it('refuses a bad --peers with exit code 2', async () => {
    const r = await runP2pd(['demo', '--peers', '0']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--peers must be a whole number from 1 to 20/);
  });

  it('suggests commands within two edits', () => {
    expect(editDistance('stauts', 'status')).to.equal(1);
    expect(closestCommand('serach', ['status', 'search', 'get'])).to.equal('search');
    expect(closestCommand('xyzzy', ['status', 'search', 'get'])).to.equal(undefined);
  });
});
