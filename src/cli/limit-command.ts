// `p2pd limit`: shows the daemon's bandwidth limits and rates, or changes
// them at run time (`p2pd limit --up 5MiB/s --down 0`). Rates are checked
// here first so a typo is a usage error (exit 2); the daemon checks again.
import type { Limits__Output } from '../generated/p2p/v1/Limits.js';
import type { SetLimitsRequest } from '../generated/p2p/v1/SetLimitsRequest.js';
import { unaryCall } from '../grpc/clients.js';
import { formatRate, parseRate } from '../net/rates.js';
import { clientCommand } from './daemon-client.js';
import { humanSize, keyValues } from './format.js';

interface LimitArgs {
  up?: string;
  down?: string;
  'peer-up'?: string;
  'peer-down'?: string;
}

/** Flag → SetLimitsRequest field. */
const FLAGS = {
  up: 'upload',
  down: 'download',
  'peer-up': 'perPeerUpload',
  'peer-down': 'perPeerDownload',
} as const;

export function formatLimits(l: Limits__Output): string {
  const now = (rate: number): string => `now ${humanSize(rate)}/s`;
  return keyValues([
    ['upload', `${formatRate(l.upload)} (${now(l.upRate)})`],
    ['download', `${formatRate(l.download)} (${now(l.downRate)})`],
    ['per peer up', formatRate(l.perPeerUpload)],
    ['per peer down', formatRate(l.perPeerDownload)],
  ]);
}

export const limitCommand = clientCommand<LimitArgs>({
  command: 'limit',
  describe: 'Show the bandwidth limits and rates, or change them while the daemon runs',
  builder: (y) =>
    y
      .option('up', { type: 'string', describe: 'All uploads together, e.g. 5MiB/s; 0: unlimited' })
      .option('down', { type: 'string', describe: 'All downloads together; 0: unlimited' })
      .option('peer-up', { type: 'string', describe: 'Uploads to one peer (host); 0: unlimited' })
      .option('peer-down', {
        type: 'string',
        describe: 'Downloads from one peer (host); 0: unlimited',
      })
      .example('p2pd limit', 'Show the limits and how fast bytes move now')
      .example('p2pd limit --up 5MiB/s --down 0', 'Upload at most 5 MiB/s; no download limit')
      .check((a) => {
        for (const flag of Object.keys(FLAGS) as (keyof typeof FLAGS)[]) {
          const value = a[flag];
          if (value === undefined) continue;
          const parsed = parseRate(value);
          if (!parsed.ok) throw new Error(`--${flag}: ${parsed.problem}`);
        }
        return true;
      }),
  run: async ({ control, metadata, callOptions, args, print, printJson }) => {
    const change: SetLimitsRequest = {};
    for (const [flag, field] of Object.entries(FLAGS) as [keyof typeof FLAGS, string][]) {
      const value = args[flag];
      if (value !== undefined) change[field as keyof SetLimitsRequest] = value;
    }
    const limits =
      Object.keys(change).length > 0
        ? await unaryCall<Limits__Output>((cb) =>
            control.SetLimits(change, metadata, callOptions(), cb),
          )
        : await unaryCall<Limits__Output>((cb) =>
            control.GetLimits({}, metadata, callOptions(), cb),
          );
    if (args.json) printJson(limits);
    else print(formatLimits(limits));
  },
});
