// Syncthing beside p2pd in the transfer bench, because issue 17's bar is
// "p2pd ≥ 1.2× Syncthing": two real instances on loopback, driven by their
// REST API, with everything that reaches beyond this host (discovery, relays,
// NAT traversal, usage and crash reports, upgrades) off. Syncthing's own
// defaults stay as they are — TLS 1.3, SHA-256 blocks, fsync — since those are
// what p2pd is compared with.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './daemons.js';
import { hashFile } from './files.js';
import { procStats, type ProcStats } from './proc.js';
import { MiB } from './table.js';
import type { TransferRun } from './transfer.js';

const FOLDER = 'bench';
const FILE = 'bench.bin';
/**
 * Syncthing reads the first two as its --no-default-folder and --no-upgrade
 * flags. STMONITORED runs Syncthing itself rather than its monitor process
 * (which --no-restart keeps in v1.19): one pid whose RSS and CPU are the
 * daemon's, as with p2pd, and no inner process left behind if it is killed.
 */
const ENV = { ...process.env, STNODEFAULTFOLDER: '1', STNOUPGRADE: '1', STMONITORED: 'yes' };

/**
 * Options written into each instance's config.xml before it first starts, so
 * that nothing is announced or dialled beyond loopback even for a moment.
 */
function options(listenAddress: string): Record<string, string> {
  return {
    listenAddress,
    globalAnnounceEnabled: 'false',
    localAnnounceEnabled: 'false',
    relaysEnabled: 'false',
    natEnabled: 'false',
    urAccepted: '-1',
    crashReportingEnabled: 'false',
    autoUpgradeIntervalH: '0',
    startBrowser: 'false',
    // Syncthing renices itself by default; p2pd and the HTTP baseline run at
    // normal priority, and on a shared machine a niced process loses time.
    setLowPriority: 'false',
  };
}

export interface SyncthingInstance extends ProcStats {
  deviceId: string;
  /** tcp://127.0.0.1:<port>, the static address the other instance dials. */
  listenAddress: string;
  /** Calls the REST API; resolves to the parsed JSON body, if any. */
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** Syncthing's version (e.g. "1.19.2"), or undefined when `syncthing` is not on the PATH. */
export async function syncthingVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('syncthing', ['--version'], { env: ENV });
    return /\bv(\d+(?:\.\d+)+)/.exec(stdout)?.[1] ?? stdout.trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Generates a config in `home`, restricts it to loopback, starts the instance and waits for its API. */
export async function startSyncthing(home: string): Promise<SyncthingInstance> {
  const generated = await promisify(execFile)(
    'syncthing',
    ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'],
    { env: ENV },
  );
  const deviceId = /Device ID: (\S+)/.exec(generated.stdout + generated.stderr)?.[1];
  if (!deviceId) throw new Error(`syncthing generate printed no device ID:\n${generated.stderr}`);
  const listenAddress = `tcp://127.0.0.1:${await freePort()}`;
  const configFile = join(home, 'config.xml');
  let xml = await readFile(configFile, 'utf8');
  for (const [name, value] of Object.entries(options(listenAddress))) {
    const element = new RegExp(`<${name}>[^<]*</${name}>`);
    if (!element.test(xml)) throw new Error(`${configFile} has no <${name}> to set`);
    xml = xml.replace(element, `<${name}>${value}</${name}>`);
  }
  await writeFile(configFile, xml);

  const gui = `127.0.0.1:${await freePort()}`;
  const apiKey = randomBytes(16).toString('hex');
  const child = spawn(
    'syncthing',
    [
      'serve',
      `--home=${home}`,
      '--no-browser',
      '--no-restart',
      `--gui-address=${gui}`,
      `--gui-apikey=${apiKey}`,
    ],
    { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The last few KiB of its log, for the error when it fails; reading also
  // keeps the pipes drained so it never blocks on a full one.
  let output = '';
  const keep = (d: Buffer): void => void (output = (output + d.toString()).slice(-8192));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('error', (err) => keep(Buffer.from(`\n${err.message}`)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`http://${gui}${path}`, {
      method,
      headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`syncthing ${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const stop = async (): Promise<void> => {
    if (running()) child.kill('SIGTERM');
    const timer = setTimeout(() => running() && child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await poll('syncthing API', 60_000, async () => {
      if (!running()) throw new Error(`syncthing exited (${child.exitCode}):\n${output}`);
      return api('GET', '/rest/system/ping').then(
        () => true,
        () => false,
      );
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { deviceId, listenAddress, api, stop, ...procStats(child.pid) };
}

/** Instance A: a send-only folder holding a hard link to the bench file, scanned before any run. */
export interface SyncthingSender {
  instance: SyncthingInstance;
  dir: string;
  size: number;
  /** How long its first scan (hashing the whole file) took, after startup. */
  scanSeconds: number;
  stop(): Promise<void>;
}

export async function startSyncthingSender(
  dir: string,
  file: string,
  size: number,
): Promise<SyncthingSender> {
  const folder = join(dir, 'folder');
  await mkdir(folder, { recursive: true });
  await link(file, join(folder, FILE));
  const instance = await startSyncthing(join(dir, 'home'));
  const started = performance.now();
  try {
    await instance.api('POST', '/rest/config/folders', {
      id: FOLDER,
      label: FOLDER,
      path: folder,
      type: 'sendonly',
    });
    // Its first scan hashes the whole file: done here so no run counts it.
    await waitFolder(instance, size, 'scanned', 3_600_000);
  } catch (err) {
    await instance.stop();
    throw err;
  }
  const scanSeconds = (performance.now() - started) / 1000;
  return { instance, dir, size, scanSeconds, stop: () => instance.stop() };
}

/**
 * One run: a fresh instance B with a paused receive-only folder, paired with A
 * both ways on static loopback addresses and connected; the clock runs from
 * unpausing B's folder until B reports it in sync and the file is whole on
 * disk. The received file is hashed after the clock stops.
 */
export async function syncthingFetch(
  sender: SyncthingSender,
  sha256: string,
): Promise<TransferRun> {
  const a = sender.instance;
  const home = join(sender.dir, 'receiver');
  const folder = join(home, 'folder');
  let b: SyncthingInstance | undefined;
  try {
    await rm(home, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
    b = await startSyncthing(join(home, 'home'));
    await b.api('POST', '/rest/config/devices', device(a, 'sender'));
    await b.api('POST', '/rest/config/folders', {
      id: FOLDER,
      label: FOLDER,
      path: folder,
      type: 'receiveonly',
      paused: true,
      devices: [{ deviceID: a.deviceId }],
    });
    await a.api('POST', '/rest/config/devices', device(b, 'receiver'));
    await a.api('PATCH', `/rest/config/folders/${FOLDER}`, {
      devices: [{ deviceID: a.deviceId }, { deviceID: b.deviceId }],
    });
    const receiver = b;
    await poll('syncthing instances to connect', 60_000, async () => {
      const { connections } = (await receiver.api('GET', '/rest/system/connections')) as {
        connections: Record<string, { connected: boolean }>;
      };
      return connections[a.deviceId]?.connected === true;
    });
    // Sharing restarts A's folder, and with it a (quick, unchanged) rescan.
    await waitFolder(a, sender.size, 'scanned', 60_000);

    const instances = [b, a];
    // The sender serves every run (and scanned the file at start): its peak is this sync's.
    await a.resetPeakRss();
    const cpu = async () => Promise.all(instances.map((i) => i.cpuSeconds()));
    const cpuBefore = await cpu();
    const started = performance.now();
    await b.api('PATCH', `/rest/config/folders/${FOLDER}`, { paused: false });
    await waitFolder(b, sender.size, 'synced', 3_600_000);
    const { completion } = (await b.api('GET', `/rest/db/completion?folder=${FOLDER}`)) as {
      completion: number;
    };
    const received = join(folder, FILE);
    const onDisk = (await stat(received)).size;
    const seconds = (performance.now() - started) / 1000;
    const [receiverCpu, senderCpu] = (await cpu()).map((c, i) => c - cpuBefore[i]!);
    if (completion !== 100 || onDisk !== sender.size) {
      throw new Error(`syncthing reported in sync at ${completion} % with ${onDisk} bytes on disk`);
    }
    const fetcherRss = await b.peakRss();
    const sourceRss = await a.peakRss();
    if ((await hashFile(received)) !== sha256) throw new Error('Syncthing received file differs');
    return {
      seconds,
      mibPerSecond: sender.size / MiB / seconds,
      fetcherRss,
      sourceRss,
      fetcherCpu: receiverCpu!,
      sourcesCpu: senderCpu!,
    };
  } finally {
    await b?.stop();
    await rm(home, { recursive: true, force: true });
    if (b) {
      // A forgets B, so runs do not pile devices up in its folder.
      await a.api('PATCH', `/rest/config/folders/${FOLDER}`, {
        devices: [{ deviceID: a.deviceId }],
      });
      await a.api('DELETE', `/rest/config/devices/${b.deviceId}`);
    }
  }
}

function device(instance: SyncthingInstance, name: string): object {
  return { deviceID: instance.deviceId, name, addresses: [instance.listenAddress] };
}

interface FolderStatus {
  state: string;
  globalBytes: number;
  localBytes: number;
  needBytes: number;
}

/**
 * Waits until the bench folder on `instance` is idle and holds the whole file:
 * globally known (A scanned it, or B has A's index) with nothing needed.
 * Idle alone is not enough: B is idle with an empty index before A's arrives.
 */
async function waitFolder(
  instance: SyncthingInstance,
  size: number,
  what: string,
  timeoutMs: number,
): Promise<void> {
  await poll(`syncthing folder ${what}`, timeoutMs, async () => {
    const s = (await instance.api('GET', `/rest/db/status?folder=${FOLDER}`)) as FolderStatus;
    return (
      s.state === 'idle' && s.globalBytes === size && s.localBytes === size && s.needBytes === 0
    );
  });
}

/** Polls `done` every 50 ms until it holds; throws after `timeoutMs`. */
async function poll(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
