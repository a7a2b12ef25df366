#!/usr/bin/env node
// Lists the gRPC services a server exposes through reflection, like
// `grpcurl -plaintext host:port list`. Usage: node scripts/grpc-list.mjs [host:port]
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const address = process.argv[2] ?? '127.0.0.1:50051';
const protoDir = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')),
  'build/proto',
);
const definition = loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [protoDir] });
const { ServerReflection } = loadPackageDefinition(definition).grpc.reflection.v1;
const client = new ServerReflection(address, credentials.createInsecure());

const call = client.ServerReflectionInfo({ deadline: new Date(Date.now() + 5000) });
call.on('data', (res) => {
  const names = (res.listServicesResponse?.service ?? []).map((s) => s.name).sort();
  for (const name of names) console.log(name);
  call.end();
});
call.on('error', (err) => {
  console.error(`grpc-list: ${address}: ${err.details || err.message}`);
  process.exitCode = 1;
});
call.on('end', () => client.close());
call.on('status', () => client.close());
call.write({ host: '', listServices: '*' });
