// Server reflection (what `grpcurl list` and `describe` use), with its
// descriptors built by the first reflection call instead of at start:
// @grpc/reflection and the descriptor set it derives weigh about 3 MiB that
// an idle peer need not hold. The services themselves are registered at once.
import type {
  Server,
  ServerDuplexStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { PackageDefinition } from '@grpc/proto-loader';
import { REFLECTION_PROTO_DIR, servedProtos } from './proto.js';

const SERVICES: Record<string, string> = {
  'grpc.reflection.v1.ServerReflection': 'grpc/reflection/v1/reflection.proto',
  'grpc.reflection.v1alpha.ServerReflection': 'grpc/reflection/v1alpha/reflection.proto',
};

/** The options @grpc/reflection loads these protos with, so the messages are the same. */
const OPTIONS = { longs: String, enums: String, bytes: Array, defaults: true, oneofs: true };

type Handler = (call: ServerDuplexStream<unknown, unknown>) => void;

/** The method path of a reflection service's one method. */
function methodPath(definition: ServiceDefinition): string {
  return (definition as ServiceDefinition<UntypedServiceImplementation>).ServerReflectionInfo!.path;
}

export function addLazyReflection(server: Pick<Server, 'addService'>): void {
  const definitions = loadSync(Object.values(SERVICES), {
    ...OPTIONS,
    includeDirs: [REFLECTION_PROTO_DIR],
  });
  let handlers: Promise<Map<string, Handler>> | undefined;
  const load = (): Promise<Map<string, Handler>> =>
    (handlers ??= (async () => {
      const [{ ReflectionService }, { buildFileDescriptors }] = await Promise.all([
        import('@grpc/reflection'),
        import('./reflection-descriptors.js'),
      ]);
      // @grpc/reflection reads only `fileDescriptorProtos`, so ours replace the
      // ones proto-loader would derive (camelCase names, made-up file names).
      const served = {
        files: { fileDescriptorProtos: buildFileDescriptors(servedProtos()) },
      } as unknown as PackageDefinition;
      const found = new Map<string, Handler>();
      new ReflectionService(served).addToServer({
        addService: (definition, implementation) =>
          found.set(methodPath(definition), implementation.ServerReflectionInfo as Handler),
      });
      return found;
    })());
  for (const name of Object.keys(SERVICES)) {
    const definition = definitions[name] as ServiceDefinition;
    const path = methodPath(definition);
    server.addService(definition, {
      // The call stays paused until the real handler listens, so no request is lost meanwhile.
      ServerReflectionInfo: (call: ServerDuplexStream<unknown, unknown>) =>
        void load().then(
          (found) => found.get(path)!(call),
          (err: unknown) => call.destroy(err as Error),
        ),
    });
  }
}
