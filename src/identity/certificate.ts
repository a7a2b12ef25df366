// X.509 certificates p2pd issues to itself: a network CA (whose key every
// member derives from the network secret) certifies each peer's own key.
// A certificate carries nothing but the key and the network; who a peer is
// is its key's fingerprint.
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  bool,
  commonName,
  explicit,
  octetString,
  oid,
  sequence,
  time,
  unsignedInteger,
} from './der.js';

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const NOT_BEFORE = new Date(Date.UTC(2000, 0, 1));
/** RFC 5280 4.1.2.5: 99991231235959Z means "no well-defined expiration". */
const NOT_AFTER = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));

export interface CertificateRequest {
  subject: string;
  issuer: string;
  /** The key being certified. */
  publicKey: KeyObject;
  /** The issuer's key (the subject's own for a self-signed CA). */
  signingKey: KeyObject;
  ca: boolean;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), bool(critical), octetString(value));
}

function extensions(ca: boolean): Buffer {
  // keyUsage bits: digitalSignature (0) for a peer, keyCertSign (5) for the CA.
  const keyUsage = ca
    ? Buffer.from([0x03, 0x02, 0x02, 0x04])
    : Buffer.from([0x03, 0x02, 0x07, 0x80]);
  const list = [
    extension('2.5.29.19', true, ca ? sequence(bool(true)) : sequence()),
    extension('2.5.29.15', true, keyUsage),
  ];
  if (!ca) {
    // extKeyUsage: serverAuth and clientAuth — every peer is both.
    list.push(
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))),
    );
  }
  return explicit(3, sequence(...list));
}

/** A DER certificate, ECDSA P-256 with SHA-256. */
export function issueCertificate(req: CertificateRequest): Buffer {
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(randomBytes(16)),
    ECDSA_WITH_SHA256,
    commonName(req.issuer),
    sequence(time(NOT_BEFORE), time(NOT_AFTER)),
    commonName(req.subject),
    req.publicKey.export({ type: 'spki', format: 'der' }),
    extensions(req.ca),
  );
  const signature = sign('sha256', tbs, { key: req.signingKey, dsaEncoding: 'der' });
  return sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
}

export function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
