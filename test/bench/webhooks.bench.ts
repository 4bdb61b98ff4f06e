import { cpus } from 'node:os';
import { join } from 'node:path';
import { webhookSignature } from '../../src/gateway/webhooks/signature.js';
import { withClient } from '../support/test-database.js';
import { createBenchDatabase } from './bench-database.js';
import { benchRoot, percentile, seconds, startServer } from './bench-util.js';

/**
 * `npm run bench:webhooks`: Razorpay webhook ingestion on the built server (its own process, its own
 * fresh database, pg-boss workers on), loaded here at a fixed rate (open loop: request i is due at
 * start + i / rate, and its latency counts from then, so a stalled server cannot hide its queue).
 *
 * 1. Baseline: GET /health/live at the same rate for the same time.
 * 2. Burst: signed `POST /webhooks/razorpay` deliveries, each a new event id, at BENCH_RATE (200/s)
 *    for BENCH_SECONDS (10 s). Ingest latency = time to the 200 acknowledgement.
 * 3. Processing lag per event = processed_at − received_at in the inbox, once all are processed.
 *    The events are of a name no handler is registered for (`bench.webhook`): the server runs in its
 *    own process, where this process cannot register a handler, and src has no bench-only handler.
 *    Such an event goes through the whole pipeline (job, row lock, dispatch, marked processed as
 *    `ignored`) except a handler's own work, which is the handler's cost, not the inbox's.
 *
 * Env: BENCH_RATE (default 200), BENCH_SECONDS (default 10), DATABASE_URL / DATABASE_OWNER_URL as
 * for the app (default: the local cluster).
 */
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECRET = 'bench-webhook-secret';
const DB_PREFIX = 'fixbazaar_bench_webhooks_';
/** BENCH_WORKERS=0: no processing (ingest only, to see what processing costs the acknowledgement). */
const WORKERS = process.env.BENCH_WORKERS !== '0';

interface Burst {
  p50: number;
  p99: number;
  max: number;
  sent: number;
  errors: number;
  /** Achieved rate of completed requests. */
  rate: number;
  /** Requests over 100 ms, and when (seconds into the burst) they were due. */
  slow: number;
  slowAt: string;
}

/** Fires `count` requests at `RATE`/s (open loop) and returns latency figures (ms, from due time). */
async function burst(count: number, request: (i: number) => Promise<Response>): Promise<Burst> {
  const latencies: number[] = [];
  const slow: number[] = [];
  let errors = 0;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      request(i).then(
        async (res) => {
          await res.arrayBuffer();
          const ms = performance.now() - due;
          latencies.push(ms);
          if (ms > 100) slow.push((due - start) / 1000);
          if (res.status !== 200) errors++;
        },
        () => {
          latencies.push(performance.now() - due);
          errors++;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    sent: count,
    errors,
    rate: count / elapsed,
    slowAt: slow.length ? `${Math.min(...slow).toFixed(2)}–${Math.max(...slow).toFixed(2)} s` : '-',
    slow: slow.length,
  };
}

function line(name: string, b: Burst): void {
  console.log(
    `${name.padEnd(18)} ${b.sent} requests at ${b.rate.toFixed(0)}/s  p50 ${b.p50.toFixed(1)} ms  p99 ${b.p99.toFixed(1)} ms  max ${b.max.toFixed(1)} ms  errors ${b.errors}  over 100 ms ${b.slow} (due at ${b.slowAt})`,
  );
}

async function main(): Promise<void> {
  const count = Math.round(RATE * seconds);
  console.log(
    `bench:webhooks — ${RATE} events/s for ${seconds} s (${count} events), open loop, ${cpus().length} cpus, node ${process.version}`,
  );
  const db = await createBenchDatabase({ prefix: DB_PREFIX });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer(join(benchRoot, 'dist', 'src', 'main.js'), {
      DATABASE_URL: db.config.database.url,
      DATABASE_OWNER_URL: db.config.database.ownerUrl,
      JOBS_WORKERS: WORKERS ? 'true' : 'false',
      RAZORPAY_WEBHOOK_SECRET: SECRET,
    });
    const base = server.base;
    // pg-boss starts after the server answers: wait until readiness says the queue is up.
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${base}/health/ready`).then((r) => r.status)) === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    // Warm-up (1 s of each), not counted.
    const warm = Math.round(RATE);
    await burst(warm, () => fetch(`${base}/health/live`));
    const runId = Date.now().toString(36);
    const deliver = (prefix: string) => (i: number) => {
      const body = JSON.stringify({
        entity: 'event',
        account_id: 'acc_BenchAccount01',
        event: 'bench.webhook',
        contains: ['payment'],
        payload: {
          payment: {
            entity: {
              id: `pay_${prefix}${i}`,
              entity: 'payment',
              amount: 50_000,
              currency: 'INR',
              status: 'captured',
              order_id: `order_${prefix}${i}`,
              method: 'upi',
              captured: true,
              created_at: Math.floor(Date.now() / 1000),
            },
          },
        },
        created_at: Math.floor(Date.now() / 1000),
      });
      return fetch(`${base}/webhooks/razorpay`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-razorpay-signature': webhookSignature(body, SECRET),
          'x-razorpay-event-id': `evt_${prefix}${i}`,
        },
        body,
      });
    };
    await burst(warm, deliver(`warm${runId}_`));

    const baseline = await burst(count, () => fetch(`${base}/health/live`));
    line('GET /health/live', baseline);
    const ingest = await burst(count, deliver(`run${runId}_`));
    line('POST webhook', ingest);

    if (!WORKERS) return;
    // Processing: wait until every event of the run is processed, then read the lags.
    const pattern = `evt_run${runId}_%`;
    const started = Date.now();
    for (;;) {
      const [row] = await withClient(db.config.database.ownerUrl, (c) =>
        c
          .query<{ n: number }>(
            `SELECT count(*)::int AS n FROM webhook_inbox WHERE event_id LIKE $1 AND status = 'processed'`,
            [pattern],
          )
          .then((r) => r.rows),
      );
      if (row!.n >= count - ingest.errors) break;
      if (Date.now() - started > 300_000) throw new Error(`only ${row!.n} processed in 5 min`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const [lag] = await withClient(db.config.database.ownerUrl, (c) =>
      c
        .query<{ p50: number; p99: number; max: number; n: number; drain_s: number }>(
          `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS p50,
                  percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::float8 AS p99,
                  max(ms)::float8 AS max, count(*)::int AS n,
                  extract(epoch FROM max(processed_at) - min(received_at))::float8 AS drain_s
             FROM (SELECT processed_at, received_at,
                          extract(epoch FROM processed_at - received_at) * 1000 AS ms
                     FROM webhook_inbox WHERE event_id LIKE $1) x`,
          [pattern],
        )
        .then((r) => r.rows),
    );
    console.log(
      `processing lag     ${lag!.n} events  p50 ${lag!.p50.toFixed(0)} ms  p99 ${lag!.p99.toFixed(0)} ms  max ${lag!.max.toFixed(0)} ms  (first received → last processed ${lag!.drain_s.toFixed(1)} s)`,
    );

    console.log(`RESULT webhooks.ingest.p50 ${ingest.p50.toFixed(1)} ms`);
    console.log(`RESULT webhooks.ingest.p99 ${ingest.p99.toFixed(1)} ms`);
    console.log(`RESULT webhooks.ingest.rate ${ingest.rate.toFixed(0)} 1/s`);
    console.log(`RESULT webhooks.baseline.p50 ${baseline.p50.toFixed(1)} ms`);
    console.log(`RESULT webhooks.baseline.p99 ${baseline.p99.toFixed(1)} ms`);
    console.log(
      `RESULT webhooks.ingest.p99_ratio_to_baseline ${(ingest.p99 / baseline.p99).toFixed(2)} x`,
    );
    console.log(`RESULT webhooks.lag.p50 ${lag!.p50.toFixed(0)} ms`);
    console.log(`RESULT webhooks.lag.p99 ${lag!.p99.toFixed(0)} ms`);
    console.log(`RESULT webhooks.ingest.p99_target_met ${ingest.p99 < 100 ? 1 : 0} bool`);
    if (ingest.errors || baseline.errors) process.exitCode = 1;
  } finally {
    if (server) await server.stop();
    await db.drop();
  }
}

void main();
