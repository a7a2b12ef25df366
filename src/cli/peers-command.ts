// `p2pd peers`, `p2pd connect <address>`, `p2pd disconnect <peer>`: the
// daemon's neighbors, and adding or dropping one.
import type { ConnectPeerResponse__Output } from '../generated/p2p/v1/ConnectPeerResponse.js';
import type { ListPeersResponse__Output } from '../generated/p2p/v1/ListPeersResponse.js';
import type { Neighbor__Output } from '../generated/p2p/v1/Neighbor.js';
import { unaryCall } from '../grpc/clients.js';
import { clientCommand } from './daemon-client.js';
import { humanDuration, table } from './format.js';

export function formatPeers(peers: Neighbor__Output[], now = Date.now()): string {
  if (peers.length === 0) return 'no neighbors';
  const rows = table(peers, [
    { title: 'ID', value: (n) => n.peer?.id ?? '' },
    { title: 'ADDRESS', value: (n) => n.peer?.address ?? '' },
    // The first group is enough to tell keys apart at a glance; --json has the whole.
    {
      title: 'KEY',
      value: (n) => (n.peer?.fingerprint ? `${n.peer.fingerprint.slice(0, 13)}…` : '-'),
    },
    { title: 'STATE', value: (n) => n.state },
    { title: 'RTT', value: (n) => (n.rttMs < 0 ? '-' : `${n.rttMs} ms`), align: 'right' },
    { title: 'DIRECTION', value: (n) => n.direction },
    { title: 'SINCE', value: (n) => humanDuration(Math.max(0, now - n.sinceMs)) },
  ]);
  return `${rows}\n${peers.length} neighbor${peers.length === 1 ? '' : 's'}`;
}

export const peersCommand = clientCommand<object>({
  command: 'peers',
  describe: "List the daemon's neighbors with their state and last round-trip time",
  run: async ({ control, metadata, callOptions, args, print, printJson }) => {
    const res = await unaryCall<ListPeersResponse__Output>((cb) =>
      control.ListPeers({}, metadata, callOptions(), cb),
    );
    if (args.json) printJson(res);
    else print(formatPeers(res.peers));
  },
});

export const connectCommand = clientCommand<{ address: string }>({
  command: 'connect <address>',
  describe: 'Make the daemon join the peer at host:port as a neighbor',
  builder: (y) =>
    y.positional('address', { type: 'string', demandOption: true, describe: 'host:port' }),
  run: async ({ control, metadata, callOptions, args, print, printJson }) => {
    const res = await unaryCall<ConnectPeerResponse__Output>((cb) =>
      control.ConnectPeer({ address: args.address }, metadata, callOptions(), cb),
    );
    if (args.json) printJson(res);
    else print(`connected to ${res.peer?.peer?.id} at ${res.peer?.peer?.address}`);
  },
});

export const disconnectCommand = clientCommand<{ peer: string }>({
  command: 'disconnect <peer>',
  describe: 'Make the daemon drop a neighbor (it is told, and not redialled at once)',
  builder: (y) =>
    y.positional('peer', { type: 'string', demandOption: true, describe: 'Id of the neighbor' }),
  run: async ({ control, metadata, callOptions, args, print, printJson }) => {
    await unaryCall((cb) =>
      control.DisconnectPeer({ peerId: args.peer }, metadata, callOptions(), cb),
    );
    if (args.json) printJson({});
    else print(`disconnected from ${args.peer}`);
  },
});
