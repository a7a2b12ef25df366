// The NATS connection settings of the daemon, from its config.
import { readFileSync } from 'node:fs';
import { credsAuthenticator, type ConnectionOptions } from 'nats';

export interface NatsLinkInit {
  /** Server URLs (at least one). */
  servers: string[];
  token?: string;
  user?: string;
  pass?: string;
  /** A `.creds` file, read at each connect so a rotated file is picked up. */
  credsFile?: string;
  /** PEM paths. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** Client name shown by the server's monitoring. */
  name: string;
  /** Pause between connection attempts, ms. */
  reconnectWaitMs: number;
  /** Handshake deadline of one connection attempt, ms (default 5000). */
  connectTimeoutMs?: number;
}

/** A link that connects once, then reconnects forever on its own. */
export function connectionOptions(init: NatsLinkInit): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: init.servers,
    name: init.name,
    timeout: init.connectTimeoutMs ?? 5000,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: init.reconnectWaitMs,
    reconnectDelayHandler: reconnectBackoff(init.reconnectWaitMs),
    // A dead peer on a silent network is found within ~30 s instead of the default 4 min.
    pingInterval: 10_000,
    maxPingOut: 3,
  };
  if (init.token !== undefined) options.token = init.token;
  if (init.user !== undefined) {
    options.user = init.user;
    options.pass = init.pass;
  }
  const credsFile = init.credsFile;
  if (credsFile !== undefined) {
    options.authenticator = credsAuthenticator(() => new Uint8Array(readFileSync(credsFile)));
  }
  if (init.tls) {
    options.tls = {
      ...(init.tls.ca !== undefined ? { caFile: init.tls.ca } : {}),
      ...(init.tls.cert !== undefined ? { certFile: init.tls.cert } : {}),
      ...(init.tls.key !== undefined ? { keyFile: init.tls.key } : {}),
    };
  }
  return options;
}

const FIRST_RECONNECT_WAIT_MS = 100;

/**
 * The pause nats.js keeps between two attempts at one server: short at first, so losing
 * a cluster node moves to another at once (nats.js tries the lost node first and would
 * wait out the full pause if it connected to it recently), then doubling up to maxMs
 * while an outage lasts. A quiet spell of twice maxMs ends an outage.
 */
export function reconnectBackoff(maxMs: number, now = Date.now): () => number {
  const first = Math.min(FIRST_RECONNECT_WAIT_MS, maxMs);
  let next = first;
  let lastAsked = 0;
  return () => {
    const t = now();
    if (t - lastAsked > 2 * maxMs) next = first;
    lastAsked = t;
    const wait = next;
    next = Math.min(next * 2, maxMs);
    return wait;
  };
}

/** The URLs without credentials, for log lines. */
export function describeServers(servers: readonly string[]): string {
  return servers.map((s) => s.replace(/\/\/[^@/]*@/, '//')).join(', ');
}
