/**
 * The ledger's background jobs on pg-boss against real PostgreSQL: hold expiry on database time and
 * the roll-up of hot-account balance deltas, run by real workers; and transactional enqueue (a job
 * sent inside a rolled-back transaction does not exist).
 */
import { credit, debit } from '../src/ledger/domain/journal.js';
import type { EntryMeta } from '../src/ledger/domain/ledger-model.js';
import { JobQueue } from '../src/jobs/job-queue.service.js';
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { LEDGER_JOBS } from '../src/ledger/jobs/ledger-jobs.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { execute } from '../src/database/sql.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const meta: EntryMeta = { eventType: 'test', reference: 'test:jobs', actor: 'test' };

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('ledger jobs (pg-boss workers)', () => {
  let t: TestApp;
  let ledger: LedgerService;
  let jobs: JobQueue;

  beforeAll(async () => {
    t = await startTestApp({ env: { JOBS_WORKERS: 'true', LOG_LEVEL: 'warn' } });
    ledger = t.app.get(LedgerService);
    jobs = t.app.get(JobQueue);
    for (const code of [
      'liability:escrow:order:j1',
      'asset:gateway_receivable',
      'revenue:commission',
    ])
      expect((await ledger.execute({ type: 'open_account', code })).code).toBe('ok');
  });
  afterAll(() => t.close());

  it('the expiry job expires a hold once its database-time deadline has passed, exactly once', async () => {
    expect(
      (
        await ledger.execute({
          type: 'post',
          key: 'fund',
          lines: [
            debit('asset:gateway_receivable', 5000n),
            credit('liability:escrow:order:j1', 5000n),
          ],
          meta,
        })
      ).code,
    ).toBe('ok');
    const hold = await ledger.execute({
      type: 'hold',
      key: 'hold:j1',
      lines: [debit('liability:escrow:order:j1', 3000n), credit('revenue:commission', 3000n)],
      timeoutSeconds: 1,
      meta,
    });
    expect(hold.code).toBe('ok');
    expect((await ledger.account('liability:escrow:order:j1'))?.debitsPending).toBe(3000n);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await ledger.expiredPendingKeys()).toEqual(['hold:j1']);

    // Two passes enqueued at once: the hold is expired once.
    await Promise.all([
      jobs.send(LEDGER_JOBS.expireHolds, {}),
      jobs.send(LEDGER_JOBS.expireHolds, {}),
    ]);
    const kinds = await until(async () => {
      const rows = await withClient(t.db.ownerUrl, (c) =>
        c.query<{ kind: string }>(`SELECT kind FROM ledger_entries WHERE pending_id = 'hold:j1'`),
      );
      return rows.rows.length > 0 ? rows.rows.map((r) => r.kind) : undefined;
    });
    expect(kinds).toEqual(['expire_pending']);
    const escrow = await ledger.account('liability:escrow:order:j1');
    expect(escrow?.debitsPending).toBe(0n);
    expect(escrow?.creditsPosted).toBe(5000n);
    expect(await ledger.expiredPendingKeys()).toEqual([]);
    // A post after the deadline is refused whatever the job did.
    expect(
      (await ledger.execute({ type: 'post_pending', key: 'late', pendingKey: 'hold:j1', meta }))
        .code,
    ).toBe('pending_expired');
  });

  it('the roll-up job folds hot-account deltas into the rows without changing any balance', async () => {
    for (let i = 0; i < 20; i += 1) {
      const r = await ledger.execute({
        type: 'post',
        key: `fee:${i}`,
        lines: [debit('asset:gateway_receivable', 10n), credit('revenue:commission', 10n)],
        meta,
      });
      expect(r.code).toBe('ok');
    }
    const before = await ledger.accounts();
    const pending = await withClient(t.db.ownerUrl, (c) =>
      c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ledger_balance_deltas`),
    );
    expect(Number(pending.rows[0]?.n)).toBeGreaterThanOrEqual(40);

    await jobs.send(LEDGER_JOBS.rollUp, {});
    await until(async () => {
      const rows = await withClient(t.db.ownerUrl, (c) =>
        c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ledger_balance_deltas`),
      );
      return rows.rows[0]?.n === '0' ? true : undefined;
    });
    expect(await ledger.accounts()).toEqual(before);
    const row = await withClient(t.db.ownerUrl, (c) =>
      c.query<{ credits_posted: string }>(
        `SELECT credits_posted::text FROM ledger_accounts WHERE code = 'revenue:commission'`,
      ),
    );
    expect(row.rows[0]?.credits_posted).toBe('200');
  });

  it('the seal job seals every entry written so far and verify is then clean', async () => {
    const integrity = t.app.get(LedgerIntegrityService);
    // A seal stops below the oldest transaction running anywhere on the server (other test files
    // share it and some hold long transactions), so keep asking the job until everything is sealed.
    let asked = 0;
    await until(async () => {
      if (asked++ % 10 === 0) await jobs.send(LEDGER_JOBS.seal, {});
      const rows = await withClient(t.db.ownerUrl, (c) =>
        c.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ledger_entries e
           WHERE NOT EXISTS (SELECT 1 FROM ledger_seal_entries s WHERE s.entry_id = e.id)`,
        ),
      );
      return rows.rows[0]?.n === '0' ? true : undefined;
    }, 90_000);
    const report = await integrity.verify();
    expect(report.ok).toBe(true);
    expect(report.unsealedEntries).toBe(0);
    expect((await integrity.replay()).ok).toBe(true);
  }, 120_000);

  it('a job sent inside a transaction exists only if the transaction commits', async () => {
    const transactions = t.app.get(TransactionRunner);
    const count = async (marker: string) => {
      const rows = await withClient(t.db.ownerUrl, (c) =>
        c.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM pgboss.job WHERE data->>'marker' = $1`,
          [marker],
        ),
      );
      return Number(rows.rows[0]?.n);
    };
    await expect(
      transactions.run(async (tx) => {
        await jobs.send(LEDGER_JOBS.rollUp, { marker: 'rolled-back' }, { tx });
        await execute(tx, 'SELECT 1');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await transactions.run(async (tx) => {
      await jobs.send(LEDGER_JOBS.rollUp, { marker: 'committed' }, { tx });
    });
    expect(await count('rolled-back')).toBe(0);
    expect(await count('committed')).toBe(1);
  });
});
