/**
 * The PostgreSQL ledger through LedgerService: every ledger-spec vector replayed on a database of
 * its own (same commands, same results, same counters as the in-memory model and the vector), and
 * the concurrency guarantees (floor race, lost updates, idempotent duplicates), and append-only
 * enforcement of the journal tables.
 */
import { basename } from 'node:path';
import type pg from 'pg';
import { type Account, availableBalance, postedBalance } from '../src/ledger/domain/account.js';
import { credit, debit } from '../src/ledger/domain/journal.js';
import { MAX_PAISE } from '../src/ledger/domain/money.js';
import { TransactionRunner } from '../src/database/transaction.js';
import {
  type Entry,
  type EntryKind,
  type EntryMeta,
  type LedgerCommand,
  LedgerModel,
  type LedgerResult,
  replayJournal,
  trialBalanceOf,
} from '../src/ledger/domain/ledger-model.js';
import {
  type ExpectedAccount,
  type ExpectedTrialBalance,
  ScenarioRunner,
} from '../src/ledger/domain/scenario.js';
import { loadRateBook, loadScenario, vectorFiles } from '../src/ledger/ledger-spec-files.js';
import { LedgerClock } from '../src/ledger/persistence/ledger-clock.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { MetricsService } from '../src/observability/metrics.service.js';
import {
  type FreshLedgerApp,
  LARGE_POOL_ENV,
  type LedgerApp,
  startLedger,
} from './support/ledger.js';
import { type TestDatabase, withClient } from './support/test-database.js';

/** The scenario's event time instead of database time, so vectors replay deterministically. */
class ScenarioClock extends LedgerClock {
  nowMs = 0;
  now(): Promise<number> {
    return Promise.resolve(this.nowMs);
  }
}

/** The reference model, recording each top-level command the ScenarioRunner applies (and its result). */
class RecordingModel extends LedgerModel {
  readonly recorded: { command: LedgerCommand; nowMs: number; result: LedgerResult }[] = [];
  private depth = 0;

  override apply(command: LedgerCommand, nowMs: number): LedgerResult {
    this.depth += 1;
    try {
      const result = super.apply(command, nowMs);
      if (this.depth === 1) this.recorded.push({ command, nowMs, result });
      return result;
    } finally {
      this.depth -= 1;
    }
  }
}

/** Transactions retried after a deadlock (SQLSTATE 40P01) so far. */
async function deadlockRetries(app: LedgerApp): Promise<number> {
  const metric = app.moduleRef
    .get(MetricsService)
    .registry.getSingleMetric('db_transaction_retries_total');
  const values = metric === undefined ? [] : (await metric.get()).values;
  return values.filter((v) => v.labels.sqlstate === '40P01').reduce((n, v) => n + v.value, 0);
}

function asExpected(a: Account): ExpectedAccount {
  return {
    debitsPosted: a.debitsPosted.toString(),
    creditsPosted: a.creditsPosted.toString(),
    debitsPending: a.debitsPending.toString(),
    creditsPending: a.creditsPending.toString(),
    postedBalance: postedBalance(a).toString(),
    availableBalance: availableBalance(a).toString(),
  };
}

function trialBalance(accounts: readonly Account[]): ExpectedTrialBalance {
  const tb = trialBalanceOf(accounts);
  return {
    byType: {
      asset: tb.byType.asset.balance.toString(),
      liability: tb.byType.liability.balance.toString(),
      equity: tb.byType.equity.balance.toString(),
      revenue: tb.byType.revenue.balance.toString(),
      expense: tb.byType.expense.balance.toString(),
    },
    totalDebitsPosted: tb.totalDebitsPosted.toString(),
    totalCreditsPosted: tb.totalCreditsPosted.toString(),
    netPaise: tb.netPaise.toString(),
    balanced: tb.balanced,
  };
}

const meta: EntryMeta = { eventType: 'test', reference: 'test:1', actor: 'system' };

/** Counters recomputed from the stored journal alone (entries in commit order, with their lines). */
async function journalCounters(db: TestDatabase, codes: readonly string[]) {
  return withClient(db.ownerUrl, async (c) => {
    const entries = await c.query<{
      id: string;
      seq: string;
      kind: EntryKind;
      pending_id: string | null;
      effective_at: Date;
    }>(
      `SELECT id, seq::text AS seq, kind, pending_id, effective_at FROM ledger_entries ORDER BY seq`,
    );
    const lines = await c.query<{
      entry_id: string;
      code: string;
      side: 'debit' | 'credit';
      amount: string;
    }>(
      `SELECT l.entry_id, a.code, l.side, l.amount::text AS amount
       FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
       ORDER BY l.entry_id, l.line_no`,
    );
    const journal: Entry[] = entries.rows.map((e) => ({
      key: e.id,
      sequence: Number(e.seq),
      kind: e.kind,
      lines: lines.rows
        .filter((l) => l.entry_id === e.id)
        .map((l) => ({ account: l.code, side: l.side, amountPaise: BigInt(l.amount) })),
      meta,
      effectiveAtMs: e.effective_at.getTime(),
      ...(e.pending_id === null ? {} : { pendingKey: e.pending_id }),
    }));
    return replayJournal(journal, codes);
  });
}

async function sqlstateOf(client: pg.Client, sql: string): Promise<string | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('ledger on PostgreSQL: ledger-spec vectors', () => {
  const book = loadRateBook();

  it.each(vectorFiles().map((f) => [basename(f), f]))(
    '%s replays with the model’s results and the expected counters',
    async (_name, file) => {
      const scenario = loadScenario(file);
      const clock = new ScenarioClock();
      const ctx = await startLedger({ clock, env: LARGE_POOL_ENV });
      try {
        const model = new RecordingModel();
        const runner = new ScenarioRunner(scenario, book, undefined, model);
        for (const [index, event] of scenario.events.entries()) {
          model.recorded.splice(0);
          const step = runner.run(event, index);
          expect({ index, code: step.result.code }).toEqual({ index, code: step.expectedCode });
          for (const { command, nowMs, result } of model.recorded) {
            clock.nowMs = nowMs;
            const actual = await ctx.ledger.execute(command);
            expect({ index, type: command.type, result: actual }).toEqual({
              index,
              type: command.type,
              result,
            });
          }
        }
        const accounts = await ctx.ledger.accounts();
        const actual = Object.fromEntries(accounts.map((a) => [a.code, asExpected(a)]));
        expect(actual).toEqual(scenario.expected.accounts);
        expect(actual).toEqual(runner.actualAccounts());
        expect(trialBalance(accounts)).toEqual(scenario.expected.trialBalance);
        // The counters are reproducible from the journal alone.
        expect(
          await journalCounters(
            ctx.db,
            accounts.map((a) => a.code),
          ),
        ).toEqual(
          new Map(
            accounts.map((a) => [
              a.code,
              {
                debitsPosted: a.debitsPosted,
                creditsPosted: a.creditsPosted,
                debitsPending: a.debitsPending,
                creditsPending: a.creditsPending,
              },
            ]),
          ),
        );
      } finally {
        await ctx.close();
      }
    },
    60000,
  );
});

describe('ledger on PostgreSQL: concurrency, idempotency, append-only', () => {
  let ctx: FreshLedgerApp;
  let ledger: LedgerService;

  const open = async (...codes: string[]) => {
    for (const code of codes) {
      expect((await ledger.execute({ type: 'open_account', code })).code).toBe('ok');
    }
  };

  beforeAll(async () => {
    ctx = await startLedger({ env: LARGE_POOL_ENV });
    ledger = ctx.ledger;
    await open('asset:gateway_receivable');
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('two postings racing against one floor: exactly one succeeds (100 trials)', async () => {
    for (let trial = 0; trial < 100; trial += 1) {
      const payable = `liability:dealer_payable:race${trial}`;
      await open(payable);
      expect(
        (
          await ledger.execute({
            type: 'post',
            key: `fund:${trial}`,
            lines: [debit('asset:gateway_receivable', 100n), credit(payable, 100n)],
            meta,
          })
        ).code,
      ).toBe('ok');
      const results = await Promise.all(
        ['a', 'b'].map((who) =>
          ledger.execute({
            type: 'post',
            key: `payout:${trial}:${who}`,
            lines: [debit(payable, 60n), credit('asset:gateway_receivable', 60n)],
            meta,
          }),
        ),
      );
      expect(results.map((r) => r.code).sort()).toEqual(['exceeds_credits', 'ok']);
      const account = await ledger.account(payable);
      expect(account?.debitsPosted).toBe(60n);
      expect(account?.creditsPosted).toBe(100n);
    }
  }, 120000);

  it('1,000 concurrent 1-paisa postings into one account leave an exact balance', async () => {
    const target = 'liability:dealer_payable:many';
    await open(target);
    const before = await ledger.account('asset:gateway_receivable');
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        ledger.execute({
          type: 'post',
          key: `paisa:${i}`,
          lines: [debit('asset:gateway_receivable', 1n), credit(target, 1n)],
          meta,
        }),
      ),
    );
    expect(results.filter((r) => r.code === 'ok')).toHaveLength(1000);
    const account = await ledger.account(target);
    expect(account?.creditsPosted).toBe(1000n);
    expect(account?.debitsPosted).toBe(0n);
    const after = await ledger.account('asset:gateway_receivable');
    expect((after?.debitsPosted ?? 0n) - (before?.debitsPosted ?? 0n)).toBe(1000n);
    const count = await withClient(ctx.db.ownerUrl, (c) =>
      c.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ledger_entries WHERE id LIKE 'paisa:%'`,
      ),
    );
    expect(count.rows[0]?.n).toBe('1000');
  }, 60000);

  it('50 concurrent identical idempotent commands → one entry, every caller gets ok', async () => {
    const target = 'liability:dealer_payable:idem';
    await open(target);
    const command: LedgerCommand = {
      type: 'post',
      key: 'idem:1',
      lines: [debit('asset:gateway_receivable', 700n), credit(target, 700n)],
      meta,
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => ledger.execute(command)));
    expect(results.every((r) => r.code === 'ok' && r.entryKey === 'idem:1')).toBe(true);
    expect(results.filter((r) => r.replayed !== true)).toHaveLength(1);
    expect((await ledger.account(target))?.creditsPosted).toBe(700n);
    const stored = await withClient(ctx.db.ownerUrl, (c) =>
      c.query<{ n: string; lines: string }>(
        `SELECT (SELECT count(*) FROM ledger_entries WHERE id = 'idem:1')::text AS n,
                (SELECT count(*) FROM ledger_lines WHERE entry_id = 'idem:1')::text AS lines`,
      ),
    );
    expect(stored.rows[0]).toEqual({ n: '1', lines: '2' });
    // Same key, different input: a typed conflict, no effect.
    const different = await ledger.execute({
      ...command,
      lines: [debit('asset:gateway_receivable', 701n), credit(target, 701n)],
    });
    expect(different).toEqual({ code: 'exists_with_different_input' });
    expect((await ledger.account(target))?.creditsPosted).toBe(700n);
  }, 60000);

  it('a failed command does not consume its key', async () => {
    const target = 'liability:dealer_payable:retry';
    await open(target);
    const payout: LedgerCommand = {
      type: 'post',
      key: 'retry:payout',
      lines: [debit(target, 50n), credit('asset:gateway_receivable', 50n)],
      meta,
    };
    expect((await ledger.execute(payout)).code).toBe('exceeds_credits');
    await ledger.execute({
      type: 'post',
      key: 'retry:fund',
      lines: [debit('asset:gateway_receivable', 50n), credit(target, 50n)],
      meta,
    });
    expect(await ledger.execute(payout)).toEqual({ code: 'ok', entryKey: 'retry:payout' });
  });

  it('texts PostgreSQL cannot store (NUL, lone surrogate, over-long key) get a result code, not an error', async () => {
    const target = 'liability:escrow:order:text';
    await open(target);
    const lines = [debit('asset:gateway_receivable', 5n), credit(target, 5n)];
    const cases: [LedgerCommand, string][] = [
      [{ type: 'post', key: 'k'.repeat(181), lines, meta }, 'invalid_key'],
      [{ type: 'post', key: 'text:\u0000', lines, meta }, 'invalid_key'],
      [
        { type: 'post', key: 'text:1', lines, meta: { ...meta, reference: 'r\u0000' } },
        'invalid_meta',
      ],
      [
        { type: 'post', key: 'text:2', lines, meta: { ...meta, metadata: { note: '\ud800' } } },
        'invalid_meta',
      ],
      [{ type: 'void_pending', key: 'text:3', pendingKey: 'h\u0000', meta }, 'invalid_key'],
    ];
    for (const [command, code] of cases) expect((await ledger.execute(command)).code).toBe(code);
    expect((await ledger.account(target))?.creditsPosted).toBe(0n);
  });

  it('accounts without a floor carry counters past the bigint range (numeric(38)), exactly', async () => {
    const hot = 'revenue:commission';
    await open(hot, 'equity:capital');
    // 10 entries of MAX_PAISE (10^15) each would not overflow bigint; 9,300 would: post 10 and
    // then check the column type and an arithmetic past 2^63 directly.
    for (let i = 0; i < 10; i += 1) {
      const r = await ledger.execute({
        type: 'post',
        key: `big:${i}`,
        lines: [debit('equity:capital', MAX_PAISE), credit(hot, MAX_PAISE)],
        meta,
      });
      expect(r.code).toBe('ok');
    }
    expect((await ledger.account(hot))?.creditsPosted).toBe(10n * MAX_PAISE);
    await ledger.rollUpBalanceDeltas();
    const { rows } = await withClient(ctx.db.ownerUrl, (c) =>
      c.query<{ t: string; sum: string }>(
        `SELECT format_type(a.atttypid, a.atttypmod) AS t,
                ((SELECT credits_posted FROM ledger_accounts WHERE code = $1) + 9223372036854775807)::text AS sum
         FROM pg_attribute a WHERE a.attrelid = 'ledger_accounts'::regclass AND a.attname = 'credits_posted'`,
        [hot],
      ),
    );
    expect(rows[0]?.t).toBe('numeric(38,0)');
    expect(rows[0]?.sum).toBe((10n * MAX_PAISE + 9223372036854775807n).toString());
  });

  it('concurrent retries of one resolution or reversal all get its result: ok once, then replays', async () => {
    const escrow = 'liability:escrow:order:retry-res';
    const payable = 'liability:dealer_payable:retry-res';
    await open(escrow, payable);
    const fund: LedgerCommand = {
      type: 'post',
      key: 'retry-res:fund',
      lines: [debit('asset:gateway_receivable', 100n), credit(escrow, 100n)],
      meta,
    };
    expect((await ledger.execute(fund)).code).toBe('ok');
    const hold: LedgerCommand = {
      type: 'hold',
      key: 'retry-res:hold',
      lines: [debit(escrow, 60n), credit(payable, 60n)],
      timeoutSeconds: 0,
      meta,
    };
    expect((await ledger.execute(hold)).code).toBe('ok');
    const post: LedgerCommand = {
      type: 'post_pending',
      key: 'retry-res:post',
      pendingKey: 'retry-res:hold',
      meta,
    };
    const posts = await Promise.all(Array.from({ length: 12 }, () => ledger.execute(post)));
    expect(posts.map((r) => r.code)).toEqual(posts.map(() => 'ok'));
    expect(posts.filter((r) => r.replayed !== true)).toHaveLength(1);
    const reversePost: LedgerCommand = {
      type: 'reverse',
      key: 'retry-res:reverse',
      entryKey: 'retry-res:post',
      meta,
    };
    const reversals = await Promise.all(
      Array.from({ length: 12 }, () => ledger.execute(reversePost)),
    );
    expect(reversals.map((r) => r.code)).toEqual(reversals.map(() => 'ok'));
    expect(reversals.filter((r) => r.replayed !== true)).toHaveLength(1);
    expect((await ledger.account(payable))?.creditsPosted).toBe(60n);
    expect((await ledger.account(payable))?.debitsPosted).toBe(60n);
  });

  it('an account opened inside a caller transaction that rolls back is not remembered', async () => {
    const transactions = ctx.moduleRef.get(TransactionRunner);
    const code = 'liability:escrow:order:rolled-back';
    const post = (key: string): LedgerCommand => ({
      type: 'post',
      key,
      lines: [debit('asset:gateway_receivable', 7n), credit(code, 7n)],
      meta,
    });
    await expect(
      transactions.run(async (tx) => {
        const r = await ledger.executeIn(tx, {
          type: 'batch',
          commands: [{ type: 'open_account', code }, post('rolled-back:1')],
        });
        expect(r.code).toBe('ok');
        throw new Error('caller rolls back');
      }),
    ).rejects.toThrow('caller rolls back');
    expect(await ledger.account(code)).toBeUndefined();
    expect((await ledger.execute(post('rolled-back:2'))).code).toBe('account_not_found');
    await open(code);
    expect((await ledger.execute(post('rolled-back:3'))).code).toBe('ok');
    expect((await ledger.account(code))?.creditsPosted).toBe(7n);
  });

  it('a hold is resolved exactly once under concurrent post and void; expiry uses database time', async () => {
    const escrow = 'liability:escrow:order:once';
    await open(escrow);
    for (let trial = 0; trial < 10; trial += 1) {
      const holdKey = `hold:once:${trial}`;
      expect(
        (
          await ledger.execute({
            type: 'hold',
            key: holdKey,
            lines: [debit('asset:gateway_receivable', 10n), credit(escrow, 10n)],
            timeoutSeconds: 3600,
            meta,
          })
        ).code,
      ).toBe('ok');
      const results = await Promise.all([
        ledger.execute({ type: 'post_pending', key: `post:${trial}`, pendingKey: holdKey, meta }),
        ledger.execute({ type: 'void_pending', key: `void:${trial}`, pendingKey: holdKey, meta }),
      ]);
      expect(results.map((r) => r.code).sort()).toEqual(['ok', 'pending_already_resolved']);
    }
    const account = await ledger.account(escrow);
    expect(account?.creditsPending).toBe(0n);

    // A hold that is not yet due cannot be expired; one that is (timeout 1 s, database time) can.
    await ledger.execute({
      type: 'hold',
      key: 'hold:later',
      lines: [debit('asset:gateway_receivable', 5n), credit(escrow, 5n)],
      timeoutSeconds: 3600,
      meta,
    });
    expect((await ledger.expirePending('hold:later', meta)).code).toBe('pending_not_yet_expired');
    await ledger.execute({
      type: 'hold',
      key: 'hold:soon',
      lines: [debit('asset:gateway_receivable', 5n), credit(escrow, 5n)],
      timeoutSeconds: 1,
      meta,
    });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await ledger.expiredPendingKeys()).toEqual(['hold:soon']);
    expect(
      (await ledger.execute({ type: 'post_pending', key: 'late', pendingKey: 'hold:soon', meta }))
        .code,
    ).toBe('pending_expired');
    expect((await ledger.expirePending('hold:soon', meta)).code).toBe('ok');
    expect(await ledger.expiredPendingKeys()).toEqual([]);
  }, 60000);

  it('50 concurrent batches locking accounts in opposite command orders: no deadlock, exact totals', async () => {
    const [a, b, c, d] = ['xa', 'xb', 'xc', 'xd'].map((id) => `liability:dealer_payable:${id}`);
    await open(a, b, c, d);
    for (const code of [a, b]) {
      await ledger.execute({
        type: 'post',
        key: `x:fund:${code}`,
        lines: [debit('asset:gateway_receivable', 1000n), credit(code, 1000n)],
        meta,
      });
    }
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const ac: LedgerCommand = {
          type: 'post',
          key: `x:${i}:ac`,
          lines: [debit(a, 1n), credit(c, 1n)],
          meta,
        };
        const bd: LedgerCommand = {
          type: 'post',
          key: `x:${i}:bd`,
          lines: [debit(b, 1n), credit(d, 1n)],
          meta,
        };
        // Even batches touch {a, c} then {b, d}; odd ones {b, d} then {a, c}.
        return ledger.execute({ type: 'batch', commands: i % 2 === 0 ? [ac, bd] : [bd, ac] });
      }),
    );
    expect(results.every((r) => r.code === 'ok')).toBe(true);
    expect(await deadlockRetries(ctx)).toBe(0);
    for (const code of [a, b]) expect((await ledger.account(code))?.debitsPosted).toBe(50n);
    for (const code of [c, d]) expect((await ledger.account(code))?.creditsPosted).toBe(50n);
  }, 60000);

  it.each([
    ['ledger_entries', 'actor'],
    ['ledger_lines', 'side'],
  ])('the app role may not UPDATE, DELETE or TRUNCATE %s (42501)', async (table, column) => {
    await withClient(ctx.db.appUrl, async (c) => {
      expect(await sqlstateOf(c, `UPDATE ${table} SET ${column} = ${column}`)).toBe('42501');
      expect(await sqlstateOf(c, `DELETE FROM ${table}`)).toBe('42501');
      expect(await sqlstateOf(c, `TRUNCATE ${table}`)).toBe('42501');
    });
  });

  it.each([
    ['ledger_entries', 'actor'],
    ['ledger_lines', 'side'],
  ])('the owner is stopped by the trigger on %s (23001)', async (table, column) => {
    await withClient(ctx.db.ownerUrl, async (c) => {
      expect(await sqlstateOf(c, `UPDATE ${table} SET ${column} = ${column}`)).toBe('23001');
      expect(await sqlstateOf(c, `DELETE FROM ${table}`)).toBe('23001');
      // CASCADE: a plain TRUNCATE of ledger_entries already fails on the foreign keys (0A000).
      expect(await sqlstateOf(c, `TRUNCATE ${table} CASCADE`)).toBe('23001');
    });
  });

  it('the counter CHECKs hold even for a direct UPDATE (floor and non-negative)', async () => {
    await withClient(ctx.db.appUrl, async (c) => {
      expect(
        await sqlstateOf(
          c,
          `UPDATE ledger_accounts SET debits_posted = credits_posted + 1
           WHERE code = 'liability:dealer_payable:many'`,
        ),
      ).toBe('23514');
      expect(
        await sqlstateOf(
          c,
          `UPDATE ledger_accounts SET debits_pending = -1 WHERE code = 'asset:gateway_receivable'`,
        ),
      ).toBe('23514');
    });
  });
});
