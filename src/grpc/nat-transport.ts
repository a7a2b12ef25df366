// The NAT part's calls over PeerService: DialBack, Listen (held open while
// the peer is behind NAT) and Connect. Same channels and error mapping as the
// overlay's calls; tokens travel as bytes and are hex inside.
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { CancelledError } from '../errors.js';
import type { ConnectResponse__Output } from '../generated/p2p/v1/ConnectResponse.js';
import type { DialRequest__Output } from '../generated/p2p/v1/DialRequest.js';
import type { DialBackResponse__Output } from '../generated/p2p/v1/DialBackResponse.js';
import type { ConnectAsk, DialBackAnswer, DialOrder, NatTransport } from '../nat/types.js';
import type { CallOptions, PeerRecord } from '../overlay/types.js';
import { deadline, unaryCall } from './clients.js';
import { toPeerInfo } from './convert.js';
import type { PeerClientPool } from './peer-clients.js';
import { fromGrpcError } from './wire-errors.js';

/** DialRequests read from one Listen stream per second at most; more end the stream. */
const MAX_ORDERS_PER_SEC = 50;

export class GrpcNatTransport implements NatTransport {
  constructor(private readonly pool: PeerClientPool) {}

  async dialBack(address: string, port: number, o: CallOptions): Promise<DialBackAnswer> {
    try {
      const res = await unaryCall<DialBackResponse__Output>((cb) =>
        this.pool.get(address).DialBack({ port }, { deadline: deadline(o.timeoutMs) }, cb),
      );
      return { reachable: res.reachable, address: res.address, error: res.error };
    } catch (err) {
      throw fromGrpcError(err, address);
    }
  }

  listen(
    address: string,
    self: PeerRecord,
    handlers: { onAccepted(): void; onOrder(order: DialOrder): void },
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new CancelledError('Listen was cancelled'));
      // No deadline: the stream lives as long as the relationship; keepalives watch it.
      const call: ClientReadableStream<DialRequest__Output> = this.pool
        .get(address)
        .Listen({ peer: toPeerInfo(self) });
      let accepted = false;
      let second = Math.floor(Date.now() / 1000);
      let inSecond = 0;
      const onAbort = (): void => call.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      call.on('data', (m: DialRequest__Output) => {
        const now = Math.floor(Date.now() / 1000);
        if (now !== second) [second, inSecond] = [now, 0];
        if (++inSecond > MAX_ORDERS_PER_SEC) return call.cancel();
        const token = Buffer.from(m.token).toString('hex');
        if (!accepted) {
          accepted = true;
          handlers.onAccepted();
          if (token === '') return;
        }
        // Whom to dial comes from a neighbor: an IP literal only (no name to resolve), or none.
        const badHost = m.host !== '' && isIP(m.host) === 0;
        if (token.length !== 32 || m.port > 65535 || m.localPort > 65535 || badHost) return;
        handlers.onOrder({ token, host: m.host, port: m.port, localPort: m.localPort });
      });
      const settle = (err?: ServiceError): void => {
        signal.removeEventListener('abort', onAbort);
        if (!err || signal.aborted) resolve();
        else reject(fromGrpcError(err, address));
      };
      call.on('error', settle);
      call.on('end', () => settle());
    });
  }

  async connect(address: string, ask: ConnectAsk, o: CallOptions): Promise<{ host: string }> {
    try {
      const res = await unaryCall<ConnectResponse__Output>((cb) =>
        this.pool.get(address).Connect(
          {
            target: ask.target,
            token: Buffer.from(ask.token, 'hex'),
            port: ask.port,
            relay: ask.relay,
            punchPort: ask.punchPort,
          },
          { deadline: deadline(o.timeoutMs) },
          cb,
        ),
      );
      return { host: res.host.slice(0, 64) };
    } catch (err) {
      throw fromGrpcError(err, address);
    }
  }
}
