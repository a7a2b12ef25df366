import { api } from '../api.js';
import { showError } from '../errors.js';
import { byId, duration } from '../format.js';

interface Status {
  id: string;
  fingerprint: string;
  network: string;
  grpcAddress: string;
  restAddress: string;
  uptimeMs: number;
  peers: number;
  files: number;
  natsState: string;
  reachability: 'reachable' | 'unreachable' | 'unknown';
  via: string[];
  log: { file: string; writable: boolean; droppedLines: number; error?: string };
}

/** The "at a glance" header. */
export async function refreshStatus(): Promise<void> {
  try {
    const s = await api<Status>('/api/v1/status');
    document.title = `p2pd ${s.id}`;
    byId('peer-id').textContent = s.id;
    const key = byId('g-key');
    key.textContent = `${s.fingerprint.slice(0, 13)}…`;
    key.title = `${s.fingerprint} (${s.network} network)`;
    byId('g-network').textContent = s.network;
    byId('g-grpc').textContent = s.grpcAddress;
    byId('g-rest').textContent = s.restAddress;
    const reach = byId('g-reach');
    reach.textContent =
      s.reachability === 'reachable' ? 'yes' : s.reachability === 'unreachable' ? 'no (NAT)' : '?';
    reach.title =
      s.reachability === 'unreachable'
        ? `Other peers cannot dial this one; they reach it via ${s.via.join(', ') || 'no neighbor yet'}`
        : s.reachability === 'reachable'
          ? 'A neighbor dialed this peer back'
          : 'Not known yet: no neighbor has dialed it back';
    reach.classList.toggle('state-failed', s.reachability === 'unreachable');
    byId('g-uptime').textContent = duration(s.uptimeMs);
    byId('g-peers').textContent = String(s.peers);
    byId('g-files').textContent = String(s.files);
    byId('g-nats').textContent = s.natsState;
    const log = byId('g-log');
    log.textContent = s.log.writable
      ? 'writing'
      : `not writable (${s.log.error ?? 'error'}), ${s.log.droppedLines} lines dropped`;
    log.title = s.log.file;
    log.classList.toggle('state-failed', !s.log.writable);
  } catch (err) {
    showError(err);
  }
}
