// This peer's key pair, made on first start and kept in the data dir (mode
// 0600), and the certificate the network CA gives it on every start.
import {
  generateKeyPairSync,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
} from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { issueCertificate, toPem } from './certificate.js';
import { fingerprintOfKey } from './fingerprint.js';
import { networkCa } from './network-ca.js';

export interface PeerIdentity {
  fingerprint: string;
  /** `public` or `private <id>`: the network the certificate is valid in. */
  network: string;
  keyPem: string;
  certPem: string;
  /** The network CA, the only root a peer's certificate is checked against. */
  caPem: string;
}

const KEY_FILE = 'key.pem';

/** The identity folder inside a data dir. */
export function identityDir(dataDir: string): string {
  return join(dataDir, 'identity');
}

/** Certifies a key for the network of `secret`. */
export function certify(privateKey: KeyObject, secret: string | undefined): PeerIdentity {
  const ca = networkCa(secret);
  const publicKey = createPublicKey(privateKey);
  const der = issueCertificate({
    subject: 'p2pd peer',
    issuer: ca.subject,
    publicKey,
    signingKey: ca.privateKey,
    ca: false,
  });
  return {
    fingerprint: fingerprintOfKey(publicKey),
    network: ca.name,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certPem: toPem(der),
    caPem: ca.certPem,
  };
}

/** A throwaway identity (tests, tools): a new key, certified for the network of `secret`. */
export function ephemeralIdentity(secret?: string): PeerIdentity {
  return certify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, secret);
}

/** Loads this peer's key from the data dir, making one on first start. */
export async function loadPeerIdentity(dataDir: string, secret?: string): Promise<PeerIdentity> {
  const dir = identityDir(dataDir);
  const file = join(dir, KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    // 'wx': two daemons on one data dir never both write a key.
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(pem);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await chmod(file, 0o600);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new ConfigError(
      file,
      '',
      `not a private key (${(err as Error).message}); move it away to make a new identity`,
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError(file, '', 'not a P-256 key; move it away to make a new identity');
  }
  return certify(key, secret);
}
