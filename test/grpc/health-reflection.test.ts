// grpc.health.v1.Health and server reflection, through clients built only
// from the packages' own protos (what grpcurl and load balancers do).
import {
  credentials,
  loadPackageDefinition,
  makeClientConstructor,
  type Client,
  type ClientDuplexStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { service as healthService } from 'grpc-health-check';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { deadline, unaryCall } from '../../src/grpc/clients.js';
import { REFLECTION_PROTO_DIR } from '../../src/grpc/proto.js';
import { expectStatus, grpcFailure } from '../fixtures/grpc.js';
import { startPeer, type TestPeer } from '../fixtures/peers.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/grpc-list.mjs', import.meta.url));

interface HealthClient extends Client {
  Check(
    req: { service: string },
    options: { deadline: Date },
    cb: (err: ServiceError | null, res?: { status: string }) => void,
  ): void;
}

interface FileDesc {
  name: string;
  messageType: {
    name: string;
    field: { name: string; jsonName?: string; typeName?: string }[];
    nestedType: { name: string }[];
  }[];
}

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** One request/response exchange on a reflection stream (v1 or v1alpha). */
async function reflect(
  address: string,
  version: 'v1' | 'v1alpha',
  request: Record<string, string>,
): Promise<ReflectionResponse> {
  const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [REFLECTION_PROTO_DIR],
  });
  const pkg = loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: ServiceClientConstructor }> };
  };
  const Ctor = pkg.grpc.reflection[version]!.ServerReflection;
  const client = new Ctor(address, credentials.createInsecure());
  try {
    const call = (
      client as unknown as {
        ServerReflectionInfo(o: { deadline: Date }): ClientDuplexStream<object, ReflectionResponse>;
      }
    ).ServerReflectionInfo({ deadline: deadline(5000) });
    return await new Promise<ReflectionResponse>((resolve, reject) => {
      call.on('data', (res: ReflectionResponse) => {
        resolve(res);
        call.end();
      });
      call.on('error', reject);
      call.write({ host: '', ...request });
    });
  } finally {
    client.close();
  }
}

describe('grpc health and reflection', function () {
  let peer: TestPeer;
  before(async () => {
    peer = await startPeer({ id: 'meta' });
  });
  after(async () => {
    await peer?.stop();
  });

  it('grpc.health.v1.Health/Check answers SERVING for the server and each service', async () => {
    const Ctor = makeClientConstructor(healthService, 'grpc.health.v1.Health');
    const client = new Ctor(
      peer.grpcAddress,
      credentials.createInsecure(),
    ) as unknown as HealthClient;
    try {
      for (const name of ['', 'p2p.v1.PeerService', 'p2p.v1.ControlService']) {
        const res = await unaryCall<{ status: string }>((cb) =>
          client.Check({ service: name }, { deadline: deadline(5000) }, cb),
        );
        expect(res.status, `health of "${name}"`).to.equal('SERVING');
      }
      const unknown = await grpcFailure(
        unaryCall((cb) => client.Check({ service: 'no.Such' }, { deadline: deadline(5000) }, cb)),
      );
      expectStatus(unknown, 'NOT_FOUND');
    } finally {
      client.close();
    }
  });

  const expected = [
    'grpc.health.v1.Health',
    'grpc.reflection.v1.ServerReflection',
    'grpc.reflection.v1alpha.ServerReflection',
    'p2p.v1.ControlService',
    'p2p.v1.PeerService',
  ];

  for (const version of ['v1', 'v1alpha'] as const) {
    it(`reflection ${version} lists every service (grpcurl list)`, async () => {
      const res = await reflect(peer.grpcAddress, version, { listServices: '*' });
      const names = res.listServicesResponse!.service.map((s) => s.name).sort();
      expect(names).to.deep.equal(expected);
    });
  }

  it('reflection describes the services (grpcurl describe)', async () => {
    for (const [symbol, method] of [
      ['p2p.v1.PeerService', 'Download'],
      ['p2p.v1.ControlService', 'ListFiles'],
      ['grpc.health.v1.Health', 'Check'],
    ] as const) {
      const res = await reflect(peer.grpcAddress, 'v1', { fileContainingSymbol: symbol });
      const files = res.fileDescriptorResponse?.fileDescriptorProto ?? [];
      expect(files.length, `descriptors of ${symbol}`).to.be.greaterThan(0);
      expect(Buffer.concat(files).includes(method), `${symbol} has ${method}`).to.equal(true);
    }
    const missing = await reflect(peer.grpcAddress, 'v1', { fileContainingSymbol: 'no.Such' });
    expect(missing.errorResponse?.errorCode).to.equal(5); // NOT_FOUND
  });

  it("reflection serves the .proto's own names (what grpcurl needs)", async () => {
    const files = new Map<string, FileDesc>();
    for (const symbol of expected) {
      const res = await reflect(peer.grpcAddress, 'v1', { fileContainingSymbol: symbol });
      for (const bin of res.fileDescriptorResponse!.fileDescriptorProto) {
        const file = descriptor.FileDescriptorProto.toObject(
          descriptor.FileDescriptorProto.decode(bin),
          { arrays: true },
        ) as FileDesc;
        files.set(file.name, file);
      }
    }
    expect([...files.keys()].sort()).to.deep.equal([
      'grpc/health/v1/health.proto',
      'grpc/reflection/v1/reflection.proto',
      'grpc/reflection/v1alpha/reflection.proto',
      'p2p/v1/p2p.proto',
    ]);
    const search = files
      .get('p2p/v1/p2p.proto')!
      .messageType.find((m) => m.name === 'NetworkSearchRequest')!;
    expect(search.field.map((f) => [f.name, f.jsonName])).to.deep.include([
      'timeout_ms',
      'timeoutMs',
    ]);
    const list = files
      .get('grpc/health/v1/health.proto')!
      .messageType.find((m) => m.name === 'HealthListResponse')!;
    expect(list.nestedType.map((n) => n.name)).to.deep.equal(['StatusesEntry']);
    expect(list.field[0]!.typeName).to.equal('.grpc.health.v1.HealthListResponse.StatusesEntry');
    const byName = await reflect(peer.grpcAddress, 'v1', { fileByFilename: 'p2p/v1/p2p.proto' });
    expect(byName.fileDescriptorResponse?.fileDescriptorProto).to.have.length(1);
  });

  it('scripts/grpc-list.mjs prints the services, and fails clearly when nothing listens', async () => {
    const run = (address: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [SCRIPT, address], { timeout: 15_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err.code as number) ?? 1) : 0, stdout, stderr }),
        );
      });
    const ok = await run(peer.grpcAddress);
    expect(ok.code).to.equal(0);
    expect(ok.stdout.trim().split('\n')).to.deep.equal(expected);
    const down = await run('127.0.0.1:1');
    expect(down.code).to.equal(1);
    expect(down.stderr).to.match(/^grpc-list: 127\.0\.0\.1:1: /);
  });
});
