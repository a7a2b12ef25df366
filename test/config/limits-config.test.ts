// The `limits` section: human rates in, bytes per second out, and a refusal
// that names the field for anything else.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const MiB = 1024 * 1024;

describe('config: bandwidth limits', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-limits-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const resolve = (limits: unknown) =>
    resolveConfig({ sharedDir: 'share', limits }, 'peer.json', dir).limits;

  it('defaults to unlimited in every direction', () => {
    expect(resolveConfig({ sharedDir: 'share' }, 'peer.json', dir).limits).to.deep.equal({
      upload: 0,
      download: 0,
      perPeerUpload: 0,
      perPeerDownload: 0,
    });
  });

  it('takes rates with units and plain bytes per second', () => {
    expect(
      resolve({ upload: '5MiB/s', download: '10Mbit/s', perPeerUpload: 65536, perPeerDownload: 0 }),
    ).to.deep.equal({
      upload: 5 * MiB,
      download: 1_250_000,
      perPeerUpload: 65536,
      perPeerDownload: 0,
    });
  });

  const refused: [string, unknown, string, RegExp][] = [
    ['a negative number', { upload: -1 }, 'limits.upload', /positive rate/],
    ['a garbage string', { download: 'fast please' }, 'limits.download', /expected a rate like/],
    ['an absurd rate', { perPeerUpload: '1TiB/s' }, 'limits.perPeerUpload', /expected a rate/],
    ['a rate too large', { perPeerUpload: 1e14 }, 'limits.perPeerUpload', /at most 100 GiB\/s/],
    ['a rate too small to finish', { download: 10 }, 'limits.download', /at least 1 KiB\/s/],
    ['a boolean', { perPeerDownload: true }, 'limits.perPeerDownload', /expected a rate/],
    ['an unknown key', { up: '5MiB/s' }, 'limits.up', /unknown key/],
  ];
  for (const [what, limits, field, problem] of refused) {
    it(`refuses ${what}, naming ${field}`, () => {
      let error: unknown;
      try {
        resolve(limits);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).message).to.include(field);
      expect((error as ConfigError).message).to.match(problem);
    });
  }
});
