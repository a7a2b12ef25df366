// `p2pd status`: what the daemon is, where it listens, what it shares.
import type { LogStatus__Output } from '../generated/p2p/v1/LogStatus.js';
import type { BootstrapPeer__Output } from '../generated/p2p/v1/BootstrapPeer.js';
import type { Limits__Output } from '../generated/p2p/v1/Limits.js';
import type { StatusResponse__Output } from '../generated/p2p/v1/StatusResponse.js';
import { formatRate } from '../net/rates.js';
import { unaryCall } from '../grpc/clients.js';
import { clientCommand } from './daemon-client.js';
import { humanDuration, humanSize, keyValues } from './format.js';

export function formatStatus(s: StatusResponse__Output): string {
  return keyValues([
    ['id', s.id],
    ['key', s.fingerprint],
    ['network', s.network === 'plaintext' ? 'PLAINTEXT (no TLS between peers)' : s.network],
    ['version', s.version],
    ['gRPC', `${s.grpcAddress}${addressNote(s)}`],
    ['reachable', reachLine(s)],
    ['REST', `http://${s.restAddress}`],
    ['uptime', humanDuration(s.uptimeMs)],
    ['peers', String(s.peers)],
    ['files', `${s.files} (${humanSize(s.bytesShared)})${s.indexing ? ', indexing' : ''}`],
    ['shared dir', s.sharedDir],
    ['NATS', s.natsState],
    ['log', logLine(s.log)],
    ['limits', limitsLine(s.limits)],
    ...s.bootstrap.map((b): [string, string] => ['bootstrap', bootstrapLine(b)]),
  ]);
}

/** How one bootstrap peer is doing, in a line a person can act on. */
function bootstrapLine(b: BootstrapPeer__Output): string {
  if (b.state !== 'failing') return `${b.address} ${b.state}`;
  const next = b.nextDialMs > 0 ? `, next try in ${humanDuration(b.nextDialMs - Date.now())}` : '';
  return `${b.address} failing (${b.failures}x: ${b.lastError}${next})`;
}

/** How a learned address was found, or why other hosts cannot reach this peer; nothing when configured. */
function addressNote(s: StatusResponse__Output): string {
  if (s.addressSource === 'loopback') {
    return ' (loopback: other hosts cannot dial it; set grpc.advertise)';
  }
  return s.addressSource === 'route' || s.addressSource === 'observed'
    ? ` (${s.addressSource})`
    : '';
}

/** Bandwidth limits in one line; per-peer ones only when set. */
function limitsLine(l: Limits__Output | null): string {
  if (!l) return 'unknown';
  const perPeer =
    l.perPeerUpload || l.perPeerDownload
      ? `; per peer up ${formatRate(l.perPeerUpload)}, down ${formatRate(l.perPeerDownload)}`
      : '';
  return `up ${formatRate(l.upload)}, down ${formatRate(l.download)}${perPeer}`;
}

/** Whether other peers can dial this one, and if not, through whom they reach it. */
function reachLine(s: StatusResponse__Output): string {
  switch (s.reachability) {
    case 'reachable':
      return 'yes (a neighbor dialed it back)';
    case 'unreachable':
      return `no, behind NAT or a firewall; reached via ${s.via.join(', ') || 'no neighbor yet'}`;
    default:
      return 'not known yet';
  }
}

/** The file, and when it cannot be written, why and what was lost. */
function logLine(log: LogStatus__Output | null): string {
  if (!log) return 'unknown';
  const lost = log.droppedLines > 0 ? `, ${log.droppedLines} lines dropped` : '';
  return log.writable
    ? `${log.file}${lost}`
    : `${log.file} NOT WRITABLE (${log.error || 'error'})${lost}`;
}

export const statusCommand = clientCommand<object>({
  command: 'status',
  describe: "Show the running daemon's id, addresses, uptime and counts",
  run: async ({ control, metadata, callOptions, args, print, printJson }) => {
    const status = await unaryCall<StatusResponse__Output>((cb) =>
      control.Status({}, metadata, callOptions(), cb),
    );
    if (args.json) printJson(status);
    else print(formatStatus(status));
  },
});
