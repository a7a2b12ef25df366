// The AsyncAPI document of the NATS side: valid for the AsyncAPI parser, and true of
// what real daemons publish (every envelope read back from NATS fits its message).
import { Parser } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from 'nats';
import { EVENT_TYPES } from '../../src/events/types.js';
import { collect, connectClient } from '../fixtures/nats-client.js';
import { NatsServer } from '../fixtures/nats-server.js';
import { getJson, http } from '../fixtures/http.js';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { startNetPeer } from '../overlay/network.js';

// ajv-formats is CommonJS: under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;

interface Diagnostic {
  severity: number;
  code: string | number;
  message: string;
  path: (string | number)[];
}

async function post(url: string, body: unknown): Promise<Json> {
  const res = await http(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).to.be.oneOf([201, 202]);
  return (await res.json()) as Json;
}

const EVENTS_DOC = fileURLToPath(new URL('../../../docs/events.md', import.meta.url));

describe('AsyncAPI document of the events', function () {
  this.timeout(60_000);
  let server: NatsServer | undefined;
  let peers: TestPeer[] = [];
  let nc: NatsConnection | undefined;

  afterEach(async () => {
    await nc?.close().catch(() => undefined);
    for (const p of peers) await p.stop();
    await server?.stop();
    nc = undefined;
    peers = [];
    server = undefined;
  });

  it('docs/events.md has a row for every event type and no other', async () => {
    const rows = (await readFile(EVENTS_DOC, 'utf8'))
      .split('\n')
      .map((l) => /^\| `([a-z]+\.[a-z]+)` +\|/.exec(l)?.[1])
      .filter((t) => t !== undefined);
    expect(rows).to.deep.equal([...EVENT_TYPES]);
  });

  it('is valid AsyncAPI 3 with a channel p2p.{peerId}.<type> for every event type, and every envelope real daemons publish fits it', async () => {
    server = await NatsServer.start();
    nc = await connectClient(server.url);
    const { received } = collect(nc, 'p2p.>');
    await nc.flush();
    const nats = { nats: { url: server.url, reconnectWaitMs: 100 } };
    const n1 = await startNetPeer({
      id: 'api1',
      files: { 'song.mp3': 'la la la', 'notes.txt': 'notes', 'gone.txt': 'soon gone' },
      config: { ...nats, index: { watch: true } },
    });
    peers.push(n1);
    const n2 = await startNetPeer({ id: 'api2', bootstrap: [n1.grpcAddress], config: nats });
    peers.push(n2);

    // The document, as a subscriber would fetch it, through the parser's full validation.
    const doc = await getJson(`${n1.restUrl}/api/v1/asyncapi.json`);
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const report = (diagnostics as Diagnostic[]).map(
      (d) =>
        `${['error', 'warning', 'info', 'hint'][d.severity]} ${d.code}: ${d.message} at ${d.path.join('.')}`,
    );
    console.log(
      `      @asyncapi/parser: ${report.filter((r) => r.startsWith('error')).length} errors, ` +
        `${report.filter((r) => r.startsWith('warning')).length} warnings` +
        (report.length > 0 ? `\n        ${report.join('\n        ')}` : ''),
    );
    expect(report.filter((r) => !r.startsWith('info') && !r.startsWith('hint'))).to.deep.equal([]);
    expect(document?.version()).to.equal('3.0.0');
    const addresses = document!
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses.sort()).to.deep.equal(EVENT_TYPES.map((t) => `p2p.{peerId}.${t}`).sort());
    expect(
      document!
        .servers()
        .all()
        .map((s) => s.host()),
    ).to.deep.equal([`127.0.0.1:${server.port}`]);

    // A little of everything: a join, a search, a fetch, a failed fetch, a push, file changes.
    const sha = (
      await getJson<{ files: { sha256: string; names: string[] }[] }>(
        `${n1.restUrl}/api/v1/files?q=song`,
      )
    ).files[0]!.sha256;
    await waitFor(() => n2.daemon.overlay.neighborCount > 0, { what: 'joined' });
    await getJson(`${n2.restUrl}/api/v1/search?q=song&timeout_ms=1000`);
    const fetched = await post(`${n2.restUrl}/api/v1/transfers`, { sha256: sha });
    const failed = await post(`${n2.restUrl}/api/v1/transfers`, { sha256: 'f'.repeat(64) });
    for (const t of [fetched, failed]) {
      await waitFor(
        async () =>
          ['completed', 'failed'].includes(
            (await getJson<{ state: string }>(`${n2.restUrl}/api/v1/transfers/${String(t.id)}`))
              .state,
          ),
        { timeoutMs: 20_000, what: `transfer ${String(t.id)} over` },
      );
    }
    const notes = (
      await getJson<{ files: { sha256: string }[] }>(`${n1.restUrl}/api/v1/files?q=notes`)
    ).files[0]!.sha256;
    const pushed = await post(`${n1.restUrl}/api/v1/pushes`, {
      sha256: notes,
      peer: n2.grpcAddress,
    });
    await waitFor(
      async () =>
        (await getJson<{ state: string }>(`${n1.restUrl}/api/v1/transfers/${String(pushed.id)}`))
          .state === 'completed',
      { timeoutMs: 20_000, what: 'push completed' },
    );
    await writeFile(join(n1.shared, 'notes.txt'), 'notes, changed');
    await unlink(join(n1.shared, 'gone.txt'));
    await waitFor(
      () =>
        received.some((r) => r.event.type === 'file.removed') &&
        received.some((r) => r.event.type === 'file.changed'),
      { timeoutMs: 15_000, what: 'file changes' },
    );
    await n2.stop();
    peers = [n1];
    await waitFor(() => received.some((r) => r.event.type === 'peer.left'), {
      timeoutMs: 15_000,
      what: 'peer.left',
    });

    // Every envelope against its message's payload schema, taken from the parsed document.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validators = new Map<string, ValidateFunction>();
    for (const message of document!.allMessages().all()) {
      validators.set(message.name()!, ajv.compile(message.payload()!.json() as Json));
    }
    const seenTypes = new Set<string>();
    const misfits: string[] = [];
    for (const { subject, event } of received) {
      const validate = validators.get(event.type);
      if (!validate) {
        misfits.push(`${subject}: no message named ${event.type}`);
        continue;
      }
      if (!validate(event)) misfits.push(`${subject}: ${ajv.errorsText(validate.errors)}`);
      expect(subject).to.equal(`p2p.${event.peer}.${event.type}`);
      seenTypes.add(event.type);
    }
    console.log(
      `      ${received.length} envelopes of ${seenTypes.size} types checked against the document: ` +
        `${misfits.length} misfits (${[...seenTypes].sort().join(', ')})`,
    );
    expect(misfits).to.deep.equal([]);
    expect(seenTypes.size).to.be.at.least(15);
  });
});
