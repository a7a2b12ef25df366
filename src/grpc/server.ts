// The gRPC listener: PeerService, ControlService, health and reflection on one port.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Core, Startable } from '../core.js';
import { UnavailableError } from '../errors.js';
import { controlServiceHandlers } from './control-service.js';
import { withEncodedDataChunks } from './data-chunk-wire.js';
import { peerServiceHandlers } from './peer-service.js';
import { addLazyReflection } from './lazy-reflection.js';
import { loadProto } from './proto.js';

/** Health is reported for the whole server ('') and for each of our services. */
const HEALTH_NAMES = ['', 'p2p.v1.PeerService', 'p2p.v1.ControlService'];

export interface GrpcServerInit {
  host: string;
  port: number;
  /** How long graceful shutdown may take before calls are cut, ms (default 600). */
  shutdownTimeoutMs?: number;
}

export class GrpcServer implements Startable {
  private server: Server | undefined;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  /** The bound port, once started. */
  port = 0;

  constructor(
    private readonly core: Core,
    private readonly init: GrpcServerInit,
  ) {}

  async start(): Promise<void> {
    const { proto } = loadProto();
    const server = new Server({
      'grpc.max_receive_message_length': 8 * 1024 * 1024,
      'grpc.keepalive_permit_without_calls': 1,
    });
    server.addService(
      withEncodedDataChunks(proto.p2p.v1.PeerService.service),
      peerServiceHandlers(this.core),
    );
    server.addService(proto.p2p.v1.ControlService.service, controlServiceHandlers(this.core));
    this.health.addToServer(server);
    addLazyReflection(server);
    const target = `${this.init.host.includes(':') ? `[${this.init.host}]` : this.init.host}:${this.init.port}`;
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(target, ServerCredentials.createInsecure(), (err, port) => {
        if (!err) return resolve(port);
        server.forceShutdown();
        reject(
          new UnavailableError(`cannot listen for gRPC on ${target}: ${bindProblem(err)}`, {
            cause: err,
          }),
        );
      }),
    );
    this.server = server;
    for (const name of HEALTH_NAMES) this.health.setStatus(name, 'SERVING');
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const name of HEALTH_NAMES) this.health.setStatus(name, 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, this.init.shutdownTimeoutMs ?? 600);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

/**
 * grpc-js reports a failed bind as "No address added out of total 1 resolved
 * errors: [listen EADDRINUSE: ...]"; say what went wrong in plain words.
 */
export function bindProblem(err: Error): string {
  const m = err.message;
  if (m.includes('EADDRINUSE')) return 'address already in use';
  if (m.includes('EADDRNOTAVAIL')) return 'address not available on this host';
  if (m.includes('EACCES')) return 'permission denied';
  if (m.includes('ENOTFOUND') || m.includes('Name resolution failed')) return 'unknown host';
  return m;
}
