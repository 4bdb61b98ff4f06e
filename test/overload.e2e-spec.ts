/**
 * An overloaded database pool is a 503, not an internal error: with every connection busy for
 * longer than DATABASE_POOL_WAIT_MS, a request (and any command) is refused 503 `service/busy` with
 * `Retry-After`, counted in `db_pool_wait_timeouts_total`; once a connection is free again the same
 * request is answered.
 */
import { TransactionRunner } from '../src/database/transaction.js';
import { AppProblem } from '../src/common/errors/problem.js';
import { QUIET_ENV } from './support/accounts.js';
import { scrapeMetrics } from './support/metrics.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('an exhausted database pool', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...QUIET_ENV, DATABASE_POOL_MAX: '1', DATABASE_POOL_WAIT_MS: '200' },
    });
  });
  afterAll(() => t?.close());

  it('refuses 503 service/busy with Retry-After while no connection frees up, then answers', async () => {
    const transactions = t.app.get(TransactionRunner);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const holds = new Promise<void>((r) => (holding = r));
    // The pool's only connection, held in a transaction.
    const holder = transactions.run(async () => {
      holding();
      await held;
    });
    await holds;

    const refused = await fetch(`${t.baseUrl}/catalog/listings?q=screen`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({
      status: 503,
      code: 'service/busy',
      retryAfterSeconds: 1,
    });
    await expect(transactions.once('SELECT 1')).rejects.toMatchObject({
      constructor: AppProblem,
      status: 503,
      code: 'service/busy',
    });

    release();
    await holder;
    const answered = await fetch(`${t.baseUrl}/catalog/listings?q=screen`);
    expect(answered.status).toBe(200);
    await answered.arrayBuffer();
    expect(await scrapeMetrics(t)).toMatch(/^db_pool_wait_timeouts_total 2$/m);
  });
});
