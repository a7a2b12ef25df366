// A peer's identity: the SHA-256 of its public key (SubjectPublicKeyInfo DER),
// in base32 like a Syncthing device ID, grouped for reading aloud.
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 52 base32 characters in four groups of 13. */
export const FINGERPRINT = /^[A-Z2-7]{13}(-[A-Z2-7]{13}){3}$/;

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function fingerprintOfKey(key: KeyObject): string {
  const digest = createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest();
  return base32(digest).match(/.{13}/g)!.join('-');
}

/** The fingerprint of the key a DER certificate certifies. */
export function fingerprintOfCertificate(der: Buffer): string {
  return fingerprintOfKey(new X509Certificate(der).publicKey);
}
