// The file descriptors that server reflection serves, as protoc would write
// them: the .proto's own field names (`timeout_ms`, not `timeoutMs`), real
// file names (`p2p/v1/p2p.proto`), imports listed, absolute type names and map
// entries named `<Field>Entry`. grpcurl and every strict descriptor pool refuse
// what protobufjs's own `toDescriptor` writes (`p2p_v1.proto`, a map entry
// named `Statuses`), and proto-loader's camelCase names reject the names the
// .proto and our error messages use.
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

/** One .proto served by reflection: its canonical import path and where it lies on disk. */
export interface ServedProto {
  /** The name importers use, e.g. `grpc/health/v1/health.proto`. */
  name: string;
  /** The file to parse. */
  path: string;
}

/** Field or method descriptor fields this module reads or rewrites. */
interface FieldDesc {
  name: string;
  typeName?: string;
  jsonName?: string;
}
interface MessageDesc {
  name: string;
  field: FieldDesc[];
  nestedType: MessageDesc[];
  options?: { mapEntry?: boolean };
}
interface FileDesc {
  name: string;
  package?: string;
  dependency: string[];
  messageType: MessageDesc[];
  service: { method: { inputType: string; outputType: string }[] }[];
}

/** protoc's lowerCamelCase json_name: `timeout_ms` → `timeoutMs`. */
export function jsonName(field: string): string {
  return field.replace(/_+([a-z0-9]?)/g, (_, c: string) => c.toUpperCase());
}

/** protoc's name for a map field's entry message: `statuses` → `StatusesEntry`. */
export function mapEntryName(field: string): string {
  const camel = jsonName(field);
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

/** The package a type name (`.a.b.Msg`) belongs to, as the longest known package prefix. */
function packageOf(typeName: string, packages: string[]): string | undefined {
  const bare = typeName.replace(/^\./, '');
  return packages.filter((p) => bare.startsWith(`${p}.`)).sort((a, b) => b.length - a.length)[0];
}

/** Rewrites one message (and its nested ones) in place against its protobufjs type. */
function fixMessage(desc: MessageDesc, type: protobuf.Type): void {
  const renames = new Map<string, string>();
  for (const field of desc.field) {
    const real = type.fields[field.name];
    field.jsonName = jsonName(field.name);
    if (!real) continue;
    if (real instanceof protobuf.MapField) {
      const entry = desc.nestedType.find((n) => n.options?.mapEntry && n.name === field.typeName);
      if (!entry) throw new Error(`no map entry for ${type.fullName}.${field.name}`);
      renames.set(entry.name, mapEntryName(field.name));
      entry.name = mapEntryName(field.name);
      field.typeName = `${type.fullName}.${entry.name}`;
      for (const part of entry.field) {
        part.jsonName = jsonName(part.name);
        if (part.name === 'value' && real.resolvedType) part.typeName = real.resolvedType.fullName;
      }
    } else if (real.resolvedType) {
      field.typeName = real.resolvedType.fullName;
    }
  }
  for (const nested of desc.nestedType) {
    if (nested.options?.mapEntry) continue;
    const inner = type.nested?.[nested.name];
    if (inner instanceof protobuf.Type) fixMessage(nested, inner);
  }
}

/**
 * Parses the given protos with their own field names and returns one
 * serialized FileDescriptorProto per file, dependencies listed by import path.
 * Each file must hold exactly one package, and each package one file.
 */
export function buildFileDescriptors(protos: ServedProto[]): Buffer[] {
  const root = new protobuf.Root();
  root.loadSync(
    protos.map((p) => p.path),
    { keepCase: true },
  );
  root.resolveAll();
  const set = (
    root as unknown as { toDescriptor(edition: string): { file: object[] } }
  ).toDescriptor('proto3');
  const files = set.file.map(
    (f) =>
      descriptor.FileDescriptorProto.toObject(f as protobuf.Message, {
        arrays: true,
      }) as FileDesc,
  );
  // Which file each package came from, from where protobufjs parsed its first type.
  const nameOfPackage = new Map<string, string>();
  for (const file of files) {
    const pkg = file.package ?? '';
    const ns = pkg ? root.lookup(pkg) : root;
    const first = ns instanceof protobuf.Namespace ? ns.nestedArray.find((o) => o.filename) : null;
    const served = protos.find((p) => p.path === first?.filename);
    if (!served) throw new Error(`no served .proto holds package ${pkg}`);
    nameOfPackage.set(pkg, served.name);
  }
  const packages = [...nameOfPackage.keys()];
  return files.map((file) => {
    const pkg = file.package ?? '';
    file.name = nameOfPackage.get(pkg)!;
    for (const message of file.messageType) {
      const type = root.lookupType(`${pkg}.${message.name}`);
      fixMessage(message, type);
    }
    const refs = [
      ...file.messageType.flatMap(function names(m: MessageDesc): string[] {
        return [...m.field.map((f) => f.typeName ?? ''), ...m.nestedType.flatMap(names)];
      }),
      ...file.service.flatMap((s) => s.method.flatMap((m) => [m.inputType, m.outputType])),
    ];
    const deps = new Set<string>();
    for (const ref of refs) {
      const other = ref ? packageOf(ref, packages) : undefined;
      if (other !== undefined && other !== pkg) deps.add(nameOfPackage.get(other)!);
    }
    file.dependency = [...deps].sort();
    const message = descriptor.FileDescriptorProto.fromObject(file);
    return Buffer.from(descriptor.FileDescriptorProto.encode(message).finish());
  });
}
