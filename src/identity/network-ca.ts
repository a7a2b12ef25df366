// The network's certificate authority. Its key is derived from the network
// secret, so every peer that knows the secret can certify its own key and
// check everyone else's, and a peer that does not know it cannot take part:
// its certificate does not chain to the CA the others trust (in the spirit of
// libp2p's private networks). Without a secret the CA is the public one, and
// the certificate proves nothing beyond the key; the fingerprint is what counts.
import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
} from 'node:crypto';
import { issueCertificate, toPem } from './certificate.js';

/** The secret of the network every peer without `network.secret` is on. */
export const PUBLIC_NETWORK_SECRET = 'p2pd public network v1';

/** The order of P-256: a derived private scalar must be below it. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

export interface NetworkCa {
  /** `public`, or `private <first 8 hex of the CA key's hash>`: which network this is. */
  name: string;
  /** The CA's subject and every peer certificate's issuer. */
  subject: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** A self-signed CA certificate for the derived key, PEM. */
  certPem: string;
}

function derivedScalar(secret: string): Buffer {
  for (let counter = 0; ; counter++) {
    const d = createHash('sha256').update(`p2pd network ca|${counter}|${secret}`).digest();
    const n = BigInt(`0x${d.toString('hex')}`);
    if (n > 0n && n < P256_ORDER) return d;
  }
}

export function networkCa(secret: string | undefined): NetworkCa {
  const d = derivedScalar(secret ?? PUBLIC_NETWORK_SECRET);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey(); // 0x04 || x || y
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33).toString('base64url'),
  };
  const privateKey = createPrivateKey({
    key: { ...jwk, d: d.toString('base64url') },
    format: 'jwk',
  });
  const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  const id = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 8);
  const name = secret === undefined ? 'public' : `private ${id}`;
  // The subject names the network, so a certificate from another network's CA
  // never even matches an issuer here.
  const subject = `p2pd network ${id}`;
  const certPem = toPem(
    issueCertificate({ subject, issuer: subject, publicKey, signingKey: privateKey, ca: true }),
  );
  return { name, subject, privateKey, publicKey, certPem };
}
