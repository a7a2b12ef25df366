// The preface a reverse or relayed connection opens with, before TLS: how the
// gRPC port tells such a connection from a TLS handshake (0x16) or plaintext
// HTTP/2 ('P'). Fixed length, read with a deadline: a stranger can hold a
// socket no longer and no larger than this costs.
import type { Socket } from 'node:net';

/** The first byte: neither a TLS record (0x16) nor the start of an HTTP/2 preface ('P'). */
export const PREFACE_BYTE = 0x00;
const MAGIC = Buffer.from([PREFACE_BYTE, 0x70, 0x32, 0x70, 0x64]); // \0p2pd
export const TOKEN_BYTES = 16;
export const PREFACE_BYTES = MAGIC.length + 1 + TOKEN_BYTES;

/**
 * `answer`: a listening peer dialing out as asked (it serves TLS next);
 * `relay`: a peer asking a relay to pipe it to the listening peer with the same token.
 */
export type PrefaceKind = 'answer' | 'relay';
const KIND_BYTE: Record<PrefaceKind, number> = { answer: 1, relay: 2 };

export interface Preface {
  kind: PrefaceKind;
  /** Hex, as the token tables key it. */
  token: string;
}

export function encodePreface(kind: PrefaceKind, token: string): Buffer {
  return Buffer.concat([MAGIC, Buffer.from([KIND_BYTE[kind]]), Buffer.from(token, 'hex')]);
}

/**
 * Reads exactly one preface from `socket` (bytes after it stay unread on the
 * socket), or rejects: a wrong magic or kind, a close, or `timeoutMs` without
 * all of it. The caller destroys the socket on rejection.
 */
export function readPreface(socket: Socket, timeoutMs: number): Promise<Preface> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const done = (err?: Error, preface?: Preface): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(preface!);
    };
    const onClose = (): void => done(new Error('closed during the preface'));
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (have < PREFACE_BYTES && (chunk = socket.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        have += chunk.length;
      }
      if (have < PREFACE_BYTES) return;
      const all = Buffer.concat(chunks);
      // What follows the preface (the TLS ClientHello, say) belongs to the next reader.
      if (all.length > PREFACE_BYTES) socket.unshift(all.subarray(PREFACE_BYTES));
      if (!all.subarray(0, MAGIC.length).equals(MAGIC)) return done(new Error('not a preface'));
      const kindByte = all[MAGIC.length];
      const kind = (Object.keys(KIND_BYTE) as PrefaceKind[]).find((k) => KIND_BYTE[k] === kindByte);
      if (!kind) return done(new Error(`unknown preface kind ${kindByte}`));
      done(undefined, {
        kind,
        token: all.subarray(MAGIC.length + 1, PREFACE_BYTES).toString('hex'),
      });
    };
    const timer = setTimeout(() => done(new Error('no preface in time')), timeoutMs);
    socket.on('readable', onReadable);
    socket.once('close', onClose);
    onReadable();
  });
}
