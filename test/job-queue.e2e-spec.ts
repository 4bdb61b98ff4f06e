/**
 * The job queue's workers on real pg-boss and PostgreSQL: jobs are fetched in batches and each is
 * settled on its own — a job that throws is retried (then failed) alone, and every other job of its
 * batches runs exactly once.
 */
import { Controller, type OnModuleInit } from '@nestjs/common';
import { JobQueue } from '../src/jobs/job-queue.service.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const QUEUE = 'test.batch-probe';
const runs = new Map<number, number>();

/** Declares the probe queue (a controller with no routes: a place for onModuleInit). */
@Controller()
class JobProbe implements OnModuleInit {
  constructor(private readonly jobs: JobQueue) {}

  onModuleInit(): void {
    this.jobs.define<{ n: number; fail: boolean }>({
      name: QUEUE,
      queue: { retryLimit: 1, retryDelay: 1 },
      handler: async ({ n, fail }) => {
        runs.set(n, (runs.get(n) ?? 0) + 1);
        if (fail) throw new Error(`job ${n} fails`);
      },
    });
  }
}

describe('job queue workers (pg-boss)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      controllers: [JobProbe],
      env: { JOBS_WORKERS: 'true', LOG_LEVEL: 'error' },
    });
  });
  afterAll(() => t?.close());

  it('creates the queues with the options the code declares (the webhook queue woken by NOTIFY)', async () => {
    const { rows } = await withClient(t.db.ownerUrl, (c) =>
      c.query<{ name: string; policy: string; retry_limit: number; notify: boolean }>(
        `SELECT name, policy, retry_limit, notify FROM pgboss.queue WHERE name = ANY($1) ORDER BY name`,
        [[QUEUE, 'payments.webhook']],
      ),
    );
    expect(rows).toEqual([
      { name: 'payments.webhook', policy: 'stately', retry_limit: 3, notify: true },
      { name: QUEUE, policy: 'standard', retry_limit: 1, notify: false },
    ]);
  });

  it('settles each job of a batch on its own: a failure retries only itself', async () => {
    const jobs = t.app.get(JobQueue);
    const count = 35;
    for (let n = 0; n < count; n++) await jobs.send(QUEUE, { n, fail: n === 7 || n === 21 });
    const states = async () =>
      (
        await withClient(t.db.ownerUrl, (c) =>
          c.query<{ n: number; state: string; retries: number }>(
            `SELECT (data->>'n')::int AS n, state::text AS state, retry_count AS retries
             FROM pgboss.job WHERE name = $1 ORDER BY 1`,
            [QUEUE],
          ),
        )
      ).rows;
    const deadline = Date.now() + 60_000;
    let rows = await states();
    while (rows.some((r) => r.state !== 'completed' && r.state !== 'failed')) {
      if (Date.now() > deadline) throw new Error(`jobs not settled: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 200));
      rows = await states();
    }
    expect(rows).toHaveLength(count);
    for (const r of rows) {
      const failing = r.n === 7 || r.n === 21;
      expect([r.n, r.state, r.retries]).toEqual([
        r.n,
        failing ? 'failed' : 'completed',
        failing ? 1 : 0,
      ]);
      // Tried twice when failing (retryLimit 1), otherwise run exactly once.
      expect([r.n, runs.get(r.n)]).toEqual([r.n, failing ? 2 : 1]);
    }
  });
});
