// The config file's schema: every field but sharedDir has a default.
import { FINGERPRINT } from '../identity/fingerprint.js';
import { z } from 'zod';
import { checkShareName } from '../index/paths.js';
import { parseRate } from '../net/rates.js';

const MiB = 1024 * 1024;

export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const HOST_PORT = /^(?:[^\s:[\]]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/;

/** `host:port` or `[v6]:port`, with a port from 1 to 65535. */
export function isValidHostPort(value: string): boolean {
  const m = HOST_PORT.exec(value);
  return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
}

const port = z.int().min(0).max(65535);

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `scheme://host[:port]` and nothing more, as a browser sends in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/** Whether a NATS server URL is one the client can dial (scheme optional). */
export function isNatsUrl(value: string): boolean {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `nats://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'nats:' || url.protocol === 'tls:') &&
    url.hostname !== '' &&
    (url.pathname === '' || url.pathname === '/') &&
    url.search === '' &&
    url.hash === ''
  );
}

const natsUrl = z
  .string()
  .refine(isNatsUrl, 'expected a NATS server URL like nats://127.0.0.1:4222 or host:port');
const NATS_SUBJECT = /^([^.\s*>]+|\*)(\.([^.\s*>]+|\*))*(\.>)?$|^>$/;
const natsSubject = z.string().regex(NATS_SUBJECT, 'expected a NATS subject like p2p.>');
const hostPort = z
  .string()
  .refine(isValidHostPort, 'expected host:port with a port from 1 to 65535');

/**
 * A bandwidth limit: bytes per second, or a string with a unit ("5MiB/s",
 * "500KiB/s", "10Mbit/s"); 0 or "unlimited" for none. Parsed to bytes/s.
 */
const rate = z.unknown().transform((value, ctx) => {
  const parsed = parseRate(value);
  if (parsed.ok) return parsed.rate;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

export const configSchema = z.strictObject({
  /** Peer id, a NATS subject token. Default: derived from the shared folder's absolute path. */
  id: z
    .string()
    .regex(PEER_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ - (a NATS subject token)')
    .optional(),
  /** The folder this peer shares (created if missing). Relative paths resolve from the config file. */
  sharedDir: z.string().min(1),
  /** Daemon state (index cache, partial downloads). Default: `<sharedDir>/.p2pd`. */
  dataDir: z.string().min(1).optional(),
  grpc: z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0'),
      port: port.default(50051),
      /** Address other peers dial. Default: host:bound-port, 127.0.0.1 for a wildcard host. */
      advertise: hostPort.optional(),
      /** Required as `authorization: Bearer <token>` on ControlService calls from non-loopback clients. */
      token: z.string().min(8).optional(),
      /** Connections held at once, in all and per remote address (the quietest make way). */
      maxConnections: z.int().min(1).max(100_000).default(1024),
      maxConnectionsPerIp: z.int().min(1).max(100_000).default(64),
      /**
       * Streaming PeerService calls (Download, Search, Upload) one IP host may
       * hold open at once over all its connections; more get RESOURCE_EXHAUSTED.
       * Loopback counts too: the default leaves room for a local test network.
       */
      maxStreamsPerIp: z.int().min(1).max(100_000).default(128),
      /**
       * Talk to peers without TLS: no encryption, no identities, any peer id believed.
       * Only for benchmarks and debugging; logged loudly. Peers on TLS refuse such calls.
       */
      plaintextPeers: z.boolean().default(false),
    })
    .prefault({}),
  network: z
    .strictObject({
      /**
       * A private network: only peers that know this secret can join (their keys are
       * certified by a CA derived from it). Unset: the public network.
       */
      secret: z.string().min(16, 'must be at least 16 characters').optional(),
    })
    .prefault({}),
  rest: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(5001),
      /** Bearer token for /api/; required when host is not a loopback address. */
      token: z.string().min(8).optional(),
      /**
       * Host names (besides loopback names, IP addresses, this machine's name and rest.host)
       * a request may be addressed to: anything else is refused, so a web page whose DNS
       * name was rebound to this host cannot use the API.
       */
      allowedHosts: z
        .array(z.string().regex(HOST_NAME, 'must be a host name like peer1.lan'))
        .default([]),
      /** Web origins (`https://dash.example:8443`) allowed to call the API from a browser (CORS). */
      allowedOrigins: z
        .array(z.string().refine(isOrigin, 'must be an origin like https://host:port'))
        .default([]),
      /** Connections held at once, in all and per remote address (the quietest make way). */
      maxConnections: z.int().min(1).max(100_000).default(512),
      maxConnectionsPerIp: z.int().min(1).max(100_000).default(64),
      /** Largest body `POST /api/v1/files` accepts, in bytes. */
      maxUploadBytes: z
        .int()
        .min(0)
        .max(1024 * 1024 * MiB)
        .default(1024 * MiB),
    })
    .prefault({}),
  /** Peers to join through, host:port. */
  bootstrap: z.array(hostPort).default([]),
  index: z
    .strictObject({
      /** Bytes per chunk; each chunk's SHA-256 is part of the file's metadata. */
      chunkSize: z
        .int()
        .min(16 * 1024)
        .max(64 * MiB)
        .default(MiB),
      /** Watch the folder for changes. */
      watch: z.boolean().default(true),
      /** Full rescan period as a safety net, ms; 0 disables it. */
      rescanIntervalMs: z.int().min(0).default(300_000),
    })
    .prefault({}),
  transfer: z
    .strictObject({
      /** Where fetched files land. Default: the shared folder, so they are shared at once. */
      downloadDir: z.string().min(1).optional(),
      /** Fetches that run at once; later ones wait in the queue. */
      maxActiveFetches: z.int().min(1).max(64).default(4),
      /**
       * Download requests in flight to a sole source during a fetch, at most: the
       * next starts only as the one before nears its end, so chunks come in order.
       * Several complete sources share it out (one each at least).
       */
      maxRequestsPerSource: z.int().min(1).max(64).default(2),
      /** Download requests in flight for one fetch, over all its sources. */
      maxRequests: z.int().min(1).max(256).default(8),
      /**
       * Bytes asked for in one Download request to a sole source (whole chunks,
       * at least one); with several sources each request asks for its share.
       * Also what one request can hold in memory while it waits to be read.
       */
      requestBytes: z
        .int()
        .min(16 * 1024)
        .max(256 * MiB)
        .default(12 * MiB),
      /**
       * Write fetched chunks to disk with direct I/O (O_DIRECT), past the page
       * cache, where the file system allows it; otherwise plain writes.
       */
      directIo: z.boolean().default(true),
      /**
       * A fetched chunk is checked against its own hash on arrival only for a
       * source's first 4 chunks, then for one in this many at random (1: every
       * chunk); the whole-file hash checks the rest, and when it fails they are
       * checked one by one and the wrong ones fetched again.
       */
      spotCheckOneIn: z.int().min(1).max(1_000_000).default(16),
      /** A request that brings no byte for this long is abandoned and its chunks go elsewhere, ms. */
      stallTimeoutMs: z.int().min(100).max(600_000).default(20_000),
      /** Deadline of a metadata (GetFile) call, ms. */
      metadataTimeoutMs: z.int().min(100).max(600_000).default(10_000),
      /** Download streams this peer serves at once to one host; more get RESOURCE_EXHAUSTED. */
      maxServeStreamsPerPeer: z.int().min(1).max(1024).default(16),
      /** Download streams this peer serves at once in total. */
      maxServeStreams: z.int().min(1).max(4096).default(64),
      /**
       * A served Download stream whose reader takes nothing for this long is
       * reset and its slot freed (a peer that never reads cannot hold slots), ms.
       */
      serveStallMs: z.int().min(100).max(600_000).default(20_000),
      /**
       * A served Download call may last serveStallMs plus its range at this
       * rate; a reader trickling along slower is reset, bytes/s. The default is
       * half the rate a fetcher's own deadline assumes (128 KiB/s).
       */
      serveMinBytesPerSec: z
        .int()
        .min(1024)
        .max(1024 * MiB)
        .default(64 * 1024),
      /**
       * Peers served Download streams at once (upload slots); the others are
       * told to come back (choked). Given out again every `rechokeMs`: peers
       * that upload to this one first, the longest waiting next, one slot in
       * rotation. 0 serves everyone at once.
       */
      uploadSlots: z.int().min(0).max(1024).default(4),
      /** How often the upload slots are given out again, ms. */
      rechokeMs: z.int().min(100).max(600_000).default(2000),
      /**
       * How often a fetch asks its sources again for their chunks and other
       * fetchers, ms. 0 turns swarming off for this peer's fetches: no
       * refresh, chunks asked for in order (it still serves its partial fetches).
       */
      swarmRefreshMs: z
        .int()
        .refine((v) => v === 0 || (v >= 100 && v <= 600_000), 'must be 0 (off) or 100..600000')
        .default(500),
      /** Sources one fetch uses at most (found fetchers included). */
      maxSources: z.int().min(1).max(256).default(24),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Everything this peer sends (served Downloads and pushes, together); 0: unlimited. */
      upload: rate.default(0),
      /** Everything this peer receives (fetched chunks and pushes taken in); 0: unlimited. */
      download: rate.default(0),
      /** What one remote peer (by host) may be sent, within `upload`; 0: unlimited. */
      perPeerUpload: rate.default(0),
      /** What may come from one remote peer (by host), within `download`; 0: unlimited. */
      perPeerDownload: rate.default(0),
    })
    .prefault({}),
  upload: z
    .strictObject({
      /** Accept files pushed by other peers. */
      enabled: z.boolean().default(true),
      /** Largest pushed file accepted, bytes. */
      maxFileBytes: z
        .int()
        .min(0)
        .max(1024 * 1024 * MiB)
        .default(1024 * MiB),
      /** Bytes that pushed files may occupy in the quarantine folder, in total. */
      quotaBytes: z
        .int()
        .min(0)
        .max(1024 * 1024 * MiB)
        .default(4096 * MiB),
      /** Files pushed files may number in the quarantine folder (empty files count too). */
      maxFiles: z.int().min(0).max(10_000_000).default(1000),
      /** An upload that sends no data for this long loses its quota reservation and is refused, ms. */
      stallMs: z.int().min(100).max(600_000).default(15_000),
      /**
       * Peers allowed to push, by key fingerprint (strongest) or by peer id (bound to the
       * key first seen with it); empty allows every peer.
       */
      allowedPeers: z
        .array(
          z
            .string()
            .refine(
              (v) => PEER_ID_PATTERN.test(v) || FINGERPRINT.test(v),
              'must be a peer id or a key fingerprint',
            ),
        )
        .default([]),
      /** Quarantine folder inside the share where pushed files land. */
      dir: z
        .string()
        .default('incoming')
        .refine(isShareName, 'must be a relative folder name inside the share'),
    })
    .prefault({}),
  overlay: z
    .strictObject({
      /** Below this many neighbors the peer dials known addresses until it is back. */
      minPeers: z.int().min(0).max(256).default(3),
      /** Joins beyond this many neighbors are refused, with other addresses handed out. */
      maxPeers: z.int().min(1).max(256).default(8),
      /**
       * Neighbors taken from one IP host (and addresses of one host handed on
       * in peer exchange); more Joins from it are refused. Loopback is exempt
       * (a local test network runs every peer on 127.0.0.1).
       */
      maxNeighborsPerHost: z.int().min(1).max(256).default(2),
      /** How often each neighbor is pinged (and healing runs), ms. */
      pingIntervalMs: z.int().min(50).max(600_000).default(1000),
      /** Deadline of one ping, ms. */
      pingTimeoutMs: z.int().min(50).max(60_000).default(1000),
      /** Consecutive missed pings after which a neighbor is dropped (`peer.failed`). */
      failAfterMisses: z.int().min(1).max(100).default(3),
      /** Deadline of a Join or GetPeers call, ms. */
      joinTimeoutMs: z.int().min(50).max(60_000).default(3000),
      /** Deadline of each Leave sent on shutdown, ms; they go out in parallel. */
      leaveTimeoutMs: z.int().min(10).max(10_000).default(500),
      /** First wait before an address that failed is dialled again, ms; doubles per failure. */
      dialBackoffMs: z.int().min(10).max(600_000).default(1000),
      /** Longest wait between dials of a failing address, ms. */
      maxDialBackoffMs: z.int().min(10).max(3_600_000).default(60_000),
      /** Addresses remembered in `<dataDir>/hosts.json` across restarts. */
      hostCacheSize: z.int().min(1).max(100_000).default(1000),
      /**
       * Mean pause between explorations, ms: even with enough neighbors a peer
       * now and then dials a known host it is not connected to (at maxPeers it
       * swaps a neighbor for it), so a network split in two merges again on its
       * own. 0 turns exploring off.
       */
      exploreIntervalMs: z.int().min(0).max(3_600_000).default(2000),
    })
    .refine((o) => o.minPeers <= o.maxPeers, {
      path: ['minPeers'],
      message: 'must not exceed overlay.maxPeers',
    })
    .prefault({}),
  search: z
    .strictObject({
      /** Hops a query travels when the caller gives no TTL. */
      defaultTtl: z.int().min(0).max(255).default(7),
      /** Largest TTL a caller may ask for; larger TTLs from peers are lowered to it. */
      maxTtl: z.int().min(0).max(255).default(16),
      /** How long a search collects hits when the caller gives no timeout, ms. */
      defaultTimeoutMs: z.int().min(10).max(600_000).default(3000),
      /** Longest timeout a caller may ask for, ms. */
      maxTimeoutMs: z.int().min(10).max(600_000).default(30_000),
      /** Longest query, in characters. */
      maxQueryLength: z.int().min(1).max(1024).default(256),
      /** Most hits one peer answers from its own index per query. */
      maxLocalHits: z.int().min(1).max(1000).default(100),
      /** Most hits a search keeps (and a peer relays) per query. */
      maxHits: z.int().min(1).max(100_000).default(1000),
      /**
       * 'bloom': queries are routed by the keyword tables neighbors exchange
       * with GetRoutes (attenuated Bloom filters, and holder lists that send
       * a query for a rare name along shortest paths to its holders only);
       * 'flood': every query to every neighbor (Gnutella 0.4, for comparison).
       */
      routing: z.enum(['bloom', 'flood']).default('bloom'),
      /**
       * Honour `flood` in a Search from another peer (a query sent to every
       * neighbor). Off: such a query is routed like any other, so one peer
       * cannot make the whole network carry every copy.
       */
      remoteFlood: z.boolean().default(false),
      /** Searches one neighbor (or one unknown host) may send per second; more get RESOURCE_EXHAUSTED. */
      ratePerSec: z.number().min(0.1).max(100_000).default(20),
      /** Searches one neighbor may send at once after a quiet spell (the token bucket's size). */
      rateBurst: z.int().min(1).max(100_000).default(40),
      /**
       * This peer's routing tables are rebuilt (and offered to neighbors, whose
       * GetRoutes long polls wait for changes) at most this often, ms (a new
       * neighbor is announced at once: the tables are incomplete until its own
       * are merged); a failed poll is retried after it.
       */
      routesIntervalMs: z.int().min(50).max(600_000).default(500),
      /** Deadline of one GetRoutes call beyond the time it waits for a change, ms. */
      routesTimeoutMs: z.int().min(50).max(60_000).default(2000),
      /**
       * Holder entries taken from one neighbor's GetRoutes; a table with more
       * (or more than 65 under one key) keeps only its filter.
       */
      maxNeighborHolders: z.int().min(0).max(4_000_000).default(262_144),
      /** Bytes of one GetRoutes answer, as sent; a bigger one keeps only its filter. */
      maxRoutesBytes: z
        .int()
        .min(64 * 1024)
        .max(64 * MiB)
        .default(2 * MiB),
      /** Changed tables taken from one neighbor per second; a faster one is pulled at this rate. */
      maxRouteUpdatesPerSec: z.number().min(0.01).max(1000).default(5),
      /**
       * Check neighbors' holder claims: a holder 0 hops from a neighbor other
       * than itself is dropped; while a neighbor's routes are unconfirmed by
       * hits this peer's own queries also take the second-best path; and the
       * claims of one whose routes keep yielding nothing are ignored. Off: the
       * shortest claim alone is followed (trusting every neighbor).
       */
      checkRouteClaims: z.boolean().default(true),
      /** Half-life of the hits and misses behind a neighbor's standing, ms. */
      routeTrustHalfLifeMs: z.int().min(1000).max(86_400_000).default(300_000),
    })
    .refine((s) => s.defaultTtl <= s.maxTtl, {
      path: ['defaultTtl'],
      message: 'must not exceed search.maxTtl',
    })
    .refine((s) => s.defaultTimeoutMs <= s.maxTimeoutMs, {
      path: ['defaultTimeoutMs'],
      message: 'must not exceed search.maxTimeoutMs',
    })
    .prefault({}),
  nat: z
    .strictObject({
      /** How often this peer asks neighbors to dial it back (and when its neighbors change), ms. */
      recheckMs: z.int().min(1000).max(3_600_000).default(60_000),
      /** Neighbors an unreachable peer keeps a Listen stream open to (its `via`). */
      listeners: z.int().min(1).max(4).default(2),
      /** Listen streams of unreachable neighbors this peer holds at most. */
      maxListenStreams: z.int().min(0).max(4096).default(64),
      /**
       * Behind NAT, try a simultaneous TCP open with another peer behind NAT before a
       * relay. Works through routers that drop unsolicited SYNs; costs up to 3 s where not.
       */
      holePunching: z.boolean().default(false),
    })
    .prefault({}),
  relay: z
    .strictObject({
      /** Pipe TLS connections between two peers that cannot dial each other (opt-in). */
      enabled: z.boolean().default(false),
      /** Connections relayed at once. */
      maxStreams: z.int().min(1).max(4096).default(16),
      /** Bytes (both ways) one relayed connection may carry before it is cut. */
      maxBytesPerStream: z
        .int()
        .min(1)
        .max(1024 * 1024 * MiB)
        .default(1024 * MiB),
      /** Seconds one relayed connection may last before it is cut. */
      maxSeconds: z.int().min(1).max(86_400).default(600),
    })
    .prefault({}),
  nats: z
    .strictObject({
      /**
       * Server URL(s): `nats://host:port`, `tls://host:port` or `host:port`. Absent: NATS is
       * disabled and events still reach SSE, WatchEvents and the log.
       */
      url: z.union([natsUrl, z.array(natsUrl).min(1).max(16)]).optional(),
      /** Token auth. */
      token: z.string().min(1).optional(),
      /** User/password auth (both or neither). */
      user: z.string().min(1).optional(),
      pass: z.string().min(1).optional(),
      /** A `.creds` file (JWT + nkey seed). Relative paths resolve from the config file. */
      credsFile: z.string().min(1).optional(),
      /** TLS: CA bundle to trust, and a client certificate + key (PEM paths). */
      tls: z
        .strictObject({
          ca: z.string().min(1).optional(),
          cert: z.string().min(1).optional(),
          key: z.string().min(1).optional(),
        })
        .optional(),
      /**
       * `auto`: use JetStream when the server has it, plain publish otherwise. `on`: events
       * stay queued until JetStream is usable. `off`: plain publish only.
       */
      jetstream: z.enum(['auto', 'on', 'off']).default('auto'),
      /** The JetStream stream the daemon ensures (created if missing, never modified). */
      stream: z
        .strictObject({
          name: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -')
            .default('P2P_EVENTS'),
          /** Must cover `p2p.<id>.<type>` for every event type. */
          subjects: z.array(natsSubject).min(1).default(['p2p.>']),
          /** Oldest message kept, ms; 0 = no limit. Default 7 days. */
          maxAgeMs: z
            .int()
            .min(0)
            .default(7 * 24 * 3600 * 1000),
          /** Stream size limit in bytes; 0 = no limit. Default 1 GiB. */
          maxBytes: z
            .int()
            .min(0)
            .default(1024 * MiB),
          /** Message count limit; 0 = no limit. */
          maxMsgs: z.int().min(0).default(0),
          /** How long JetStream remembers message ids to discard a retried publish, ms. */
          duplicateWindowMs: z.int().min(1000).default(120_000),
          /** Copies a NATS cluster keeps of each event (1-5; more than 1 needs a cluster). */
          replicas: z.int().min(1).max(5).default(1),
        })
        .prefault({}),
      outbox: z
        .strictObject({
          /**
           * Undelivered events kept in `<dataDir>/nats-outbox.jsonl`. Beyond it events are
           * dropped by tier, least valuable first (see docs/events.md).
           */
          maxEvents: z.int().min(100).max(10_000_000).default(10_000),
          /**
           * The outbox file never grows past this many bytes; queued events are held to
           * 3/4 of it (the rest is room for delivery records), dropped by the same tiers.
           */
          maxBytes: z
            .int()
            .min(64 * 1024)
            .max(64 * 1024 * MiB)
            .default(16 * MiB),
        })
        .prefault({}),
      /** Pause between connection attempts, ms. */
      reconnectWaitMs: z.int().min(50).max(60_000).default(2000),
      /** How long a publish waits for the JetStream ack before it is retried, ms. */
      ackTimeoutMs: z.int().min(100).max(60_000).default(5000),
      /**
       * How long shutdown waits for queued events to be delivered, ms. What is
       * left stays in the outbox for the next start; the default keeps a stop under 2 s.
       */
      drainTimeoutMs: z.int().min(0).max(60_000).default(400),
    })
    .refine((n) => (n.user === undefined) === (n.pass === undefined), {
      message: 'user and pass go together',
      path: ['user'],
    })
    .refine((n) => n.tls?.cert === undefined || n.tls.key !== undefined, {
      message: 'a client certificate needs tls.key',
      path: ['tls', 'key'],
    })
    .prefault({}),
  log: z
    .strictObject({
      /**
       * Log file (JSON lines). Default: `$XDG_STATE_HOME/p2pd/<id>.log`, i.e.
       * `~/.local/state/p2pd/<id>.log`: off the share, whose disk peers can fill.
       */
      file: z.string().min(1).optional(),
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
      /** The file is rotated (p2pd.log → p2pd.log.1 …) before it would pass this size. */
      maxBytes: z
        .int()
        .min(64 * 1024)
        .max(1024 * 1024 * MiB)
        .default(10 * MiB),
      /** Log files kept, the one being written included; 1 truncates instead of rotating. */
      maxFiles: z.int().min(1).max(100).default(3),
    })
    .prefault({}),
});

function isShareName(name: string): boolean {
  try {
    checkShareName(name);
    return true;
  } catch {
    return false;
  }
}

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** The config with every path absolute and every default filled in. */
export interface Config extends Omit<ParsedConfig, 'id' | 'dataDir' | 'log' | 'transfer'> {
  id: string;
  dataDir: string;
  transfer: ParsedConfig['transfer'] & { downloadDir: string };
  log: ParsedConfig['log'] & { file: string };
  /** Where the config came from, for messages. */
  source: string;
}
