// The dial-back itself: a TLS handshake with the caller at its observed IP,
// which proves the same key answers there. Nothing is sent after it; the
// socket is closed at once. Short deadline: a silent address is an answer.
import { connect as connectTcp } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { fingerprintOfCertificate } from '../identity/fingerprint.js';
import { joinHostPort } from '../net/addresses.js';

export interface ProbeIdentity {
  keyPem: string;
  certPem: string;
  caPem: string;
}

export interface ProbeResult {
  reachable: boolean;
  address: string;
  error: string;
}

/**
 * Dials host:port and, unless `identity` is undefined (a plaintext wire), completes
 * a TLS handshake in which the other side must prove `fingerprint`.
 */
export function probe(
  host: string,
  port: number,
  fingerprint: string,
  identity: ProbeIdentity | undefined,
  timeoutMs: number,
): Promise<ProbeResult> {
  const address = joinHostPort(host, port);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reachable: error === '', address, error });
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    const socket = identity
      ? connectTls({
          host,
          port,
          key: identity.keyPem,
          cert: identity.certPem,
          ca: identity.caPem,
          minVersion: 'TLSv1.3',
          ALPNProtocols: ['h2'],
          servername: 'p2pd',
          // The chain must lead to the network CA; the name means nothing, the key all.
          checkServerIdentity: () => undefined,
        })
      : connectTcp({ host, port });
    socket.once(identity ? 'secureConnect' : 'connect', () => {
      if (!identity) return finish('');
      const raw = (socket as TLSSocket).getPeerCertificate().raw;
      const got = raw ? fingerprintOfCertificate(raw) : '';
      finish(got === fingerprint ? '' : `another key answered there (${got || 'none'})`);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
  });
}
