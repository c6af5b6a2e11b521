// Benchmark (not a test): what the harness adds per APDU on the vpcd transport. In one run it measures the round
// trip of a minimal APDU over a bare socket loop (length-prefixed frames, no harness code) and through the
// harness (VpcdTransport + CardSession with its trace), both against the same trivial in-process card that
// answers 9000 at once, and prints both and their ratio. Run: npm run bench:vpcd [-- ITERATIONS]
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { Bench } from 'tinybench';
import { CardSession } from '../harness/apdu/session.ts';
import { encodeFrame, FrameDecoder, VpcdListener } from '../harness/transport/vpcd.ts';

const ITERATIONS = Number(process.argv[2] ?? 3000);
const WARMUP = Math.min(300, Math.floor(ITERATIONS / 10));
const OK = Uint8Array.of(0x90, 0x00);
const ATR = Uint8Array.of(0x3b, 0x00);
const APDU = Uint8Array.of(0x80, 0xca, 0x00, 0x66, 0x00);

/** The trivial card: answers every APDU with 9000 and GET ATR with a 2-byte ATR. */
function serveCard(sock: Socket): void {
  sock.setNoDelay(true);
  const dec = new FrameDecoder();
  sock.on('data', (chunk) => {
    for (const f of dec.push(chunk)) {
      if (f.length === 1) {
        if (f[0] === 4) sock.write(encodeFrame(ATR));
        continue;
      }
      sock.write(encodeFrame(OK));
    }
  });
}

/** Bare loop: a socket pair, one frame out, one frame back, nothing else. */
async function bareLoop(): Promise<{ roundTrip: () => Promise<void>; close: () => void }> {
  const server = createServer(serveCard);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  client.setNoDelay(true);
  const dec = new FrameDecoder();
  let waiting: (() => void) | undefined;
  client.on('data', (c) => {
    for (const _f of dec.push(c)) waiting?.();
  });
  const frame = encodeFrame(APDU);
  return {
    roundTrip: () => new Promise<void>((resolve) => {
      waiting = resolve;
      client.write(frame);
    }),
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

async function harnessPath(): Promise<{ session: CardSession; close: () => Promise<void> }> {
  const listener = await VpcdListener.listen({ host: '127.0.0.1', port: 0 });
  const card = connect(listener.port, '127.0.0.1');
  card.on('connect', () => serveCard(card));
  const t = await listener.accept(10_000);
  await t.connect();
  return { session: new CardSession(t, { extendedLength: false }), close: async () => { await t.close(); await listener.close(); card.destroy(); } };
}

const bare = await bareLoop();
const harness = await harnessPath();
const bench = new Bench({ iterations: ITERATIONS, time: 0, warmupIterations: WARMUP, warmupTime: 0, retainSamples: true, throws: true });
bench
  .add('bare socket loop', () => bare.roundTrip())
  .add('harness (VpcdTransport + CardSession + trace)', async () => {
    await harness.session.transmit({ cla: APDU[0]!, ins: APDU[1]!, p1: APDU[2]!, p2: APDU[3]!, le: 256 });
  });
await bench.run();
bare.close();
await harness.close();

function latency(t: (typeof bench.tasks)[number]) {
  const r = t.result;
  if (!r || !('latency' in r)) throw new Error(`${t.name}: no result (the task failed)`);
  return r.latency;
}

const rows = bench.tasks.map((t) => {
  const l = latency(t);
  return { task: t.name, samples: l.samples?.length ?? 0, 'p50 µs': (l.p50! * 1000).toFixed(1), 'p99 µs': (l.p99! * 1000).toFixed(1), 'mean µs': (l.mean * 1000).toFixed(1) };
});
console.table(rows);
const [b, h] = bench.tasks.map((t) => latency(t).p50!);
console.log(`harness / bare, median round trip: ${(h! / b!).toFixed(2)}x (${((h! - b!) * 1000).toFixed(1)} µs added per APDU), ${ITERATIONS} iterations each, same run`);
