import 'reflect-metadata';
import { Writable } from 'node:stream';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { coreImports } from '../../src/app.module.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { Accounts } from '../../src/ledger/domain/account.js';
import { credit, debit, type Line } from '../../src/ledger/domain/journal.js';
import type { EntryMeta } from '../../src/ledger/domain/ledger-model.js';
import { LedgerModule } from '../../src/ledger/ledger.module.js';
import {
  LedgerService,
  READ_FOR_POSTING_SQL,
  WRITE_ENTRY_SQL,
} from '../../src/ledger/persistence/ledger.service.js';
import { MetricsService } from '../../src/observability/metrics.service.js';
import { createBenchDatabase } from './bench-database.js';
import { releasePhases } from './ledger-release-phase.js';

/**
 * `npm run bench:ledger`: postings per second through LedgerService (the real service path: Nest DI,
 * TypeORM transaction, domain checks, entry hash; group commit as configured, i.e. postings
 * submitted together share a transaction, a savepoint each) on a database of its own, with
 * `synchronous_commit = on`, N concurrent clients (default 32), 2-line entries that each credit one
 * hot account without a floor (`revenue:commission`) and debit the client's own pre-funded escrow
 * account (floored, so it is locked and checked — but by that client only). Deltas of the hot account
 * are rolled up by a background loop, as in production, and the hot balance is checked exactly. The
 * mean commands per group-commit transaction of the phase is printed (`db_group_commit_commands`).
 *
 * In the same run, on the same database and clients:
 *  - service, ungrouped: the same postings, same duration, through a second application context
 *    with group commit off (`database.groupCommit.maxCommands = 1`: one transaction per entry);
 *  - raw SQL: the statements the ungrouped service sends per posting (same text, same order, same
 *    round trips), issued directly with `pg`: the one-transaction-per-entry ceiling without
 *    Nest/TypeORM/TS work;
 *  - naive FOR UPDATE: the same, but the hot account row is locked `FOR UPDATE` with the client's
 *    account and its counters UPDATEd instead of appending a delta (the classic design);
 *  - floored hot account: the service path when every entry debits one floored account
 *    (`liability:escrow:order:bench-hot`, pre-funded), i.e. every posting locks the same row;
 *  - escrow releases (ledger-release-phase.ts): a real money command (deductions, commission
 *    invoice, Route hold-lift job) on BENCH_RELEASES held escrow holds seeded through the
 *    application booted in this process (Route dealers, checkout, captures at the in-process
 *    Razorpay sandbox; sub-orders completed in SQL). A quarter released by the clients' loops with
 *    the release's steps group-committed (`TransactionRunner.grouped`), a quarter by the loops
 *    through `ReleaseEscrowCommand` (a transaction each, as production runs it), the last half by
 *    the release job's run (`releaseDue`). Releases and ledger entries per second, p50/p99 per
 *    release (the loops), commands per transaction, deadlocks and commands rerun alone; then every
 *    hold released exactly once, its entries, invoice and lift job, nothing left due, the trial
 *    balance.
 * The run exits 1 on any error or inexact figure.
 *
 * Env: BENCH_SECONDS (each service phase, default 60), BENCH_COMPARE_SECONDS (each other posting
 * phase, default min(20, BENCH_SECONDS)), BENCH_WARMUP_SECONDS (before each posting phase, excluded,
 * default 3), BENCH_CLIENTS (default 32), BENCH_ROLLUP_MS (roll-up interval, default 1000),
 * BENCH_RELEASES (escrow holds seeded for the release phases, rounded up to whole orders of four
 * sub-orders; default 3600). DATABASE_URL / DATABASE_OWNER_URL as for the app
 * (default: the local cluster); the owner role creates and drops a database
 * `fixbazaar_bench_ledger_*` for the run. DATABASE_GROUP_COMMIT_MAX / _CONCURRENCY as for the app
 * set the grouped phases' group commit (the ungrouped ones force MAX 1).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const COMPARE_SECONDS = Number(process.env.BENCH_COMPARE_SECONDS ?? Math.min(20, SECONDS));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const ROLLUP_MS = Number(process.env.BENCH_ROLLUP_MS ?? 1000);
const RELEASES = Number(process.env.BENCH_RELEASES ?? 3600);
const TARGET_RATE = 2000;
const TARGET_P99_MS = 50;

const AMOUNT = 100n; // ₹1 per entry
const FUNDING = 1_000_000_000_000n; // per funded account: far more than any run posts
const HOT = Accounts.commission;
const SOURCE = Accounts.gatewayReceivable;
const FLOORED_HOT = Accounts.orderEscrow('bench-hot');
const clientEscrow = (c: number) => Accounts.orderEscrow(`bench-c${c}`);
const clientPayable = (c: number) => Accounts.dealerPayable(`bench-c${c}`);
const meta = (c: number): EntryMeta => ({
  eventType: 'bench.ledger',
  reference: `bench:c${c}`,
  actor: 'bench',
});
const DB_PREFIX = 'fixbazaar_bench_ledger_';

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

interface Phase {
  name: string;
  seconds: number;
  /** Entries completed inside the measured window, per second. */
  rate: number;
  p50: number;
  p99: number;
  max: number;
  /** The slowest one-second bucket of the window (what "sustained" means). */
  minSecond: number;
  /** Successful entries including the warm-up (for the balance checks). */
  ok: number;
  errors: number;
  /** CPU time of this (client + service) process per successful entry, warm-up included. */
  cpuMicros: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * Runs `clients` loops of `step` for warm-up + `seconds`; entries completing inside the window count
 * towards throughput and latency (latency = the client's wait for one entry).
 */
async function drive(
  name: string,
  seconds: number,
  step: (client: number, n: number) => Promise<void>,
): Promise<Phase> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const from = start + WARMUP_SECONDS * 1000;
  const to = from + seconds * 1000;
  const latencies: number[] = [];
  const perSecond = new Array<number>(Math.ceil(seconds)).fill(0);
  let ok = 0;
  let errors = 0;
  let firstError: unknown;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let n = 0; performance.now() < to && errors < 100; n += 1) {
        const t0 = performance.now();
        try {
          await step(c, n);
        } catch (err) {
          errors += 1;
          firstError ??= err;
          continue;
        }
        ok += 1;
        const t1 = performance.now();
        if (t1 >= from && t1 < to) {
          latencies.push(t1 - t0);
          perSecond[Math.floor((t1 - from) / 1000)] += 1;
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  const full = perSecond.slice(0, Math.floor(seconds));
  const phase: Phase = {
    name,
    seconds,
    rate: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? NaN : (sorted[sorted.length - 1] ?? NaN),
    minSecond: full.length === 0 ? NaN : Math.min(...full),
    ok,
    errors,
    cpuMicros: ok === 0 ? NaN : (cpu.user + cpu.system) / ok,
  };
  console.log(
    `${name.padEnd(22)} ${phase.rate.toFixed(0).padStart(6)} entries/s  p50 ${ms(phase.p50)}  ` +
      `p99 ${ms(phase.p99)}  max ${ms(phase.max)}  slowest second ${phase.minSecond}  ` +
      `node CPU ${phase.cpuMicros.toFixed(0)} µs/entry  errors ${errors}`,
  );
  if (firstError !== undefined) console.error(`${name}: first error:`, firstError);
  return phase;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

// ---------------------------------------------------------------------------------------------
// The raw-SQL mirror of LedgerService.execute({ type: 'post' }): the service's own statement texts
// (READ_FOR_POSTING_SQL, WRITE_ENTRY_SQL, as the same named prepared statements), sent directly with pg, without the service's TypeScript
// (validation, hashing, TypeORM). The statement count is compared with the service's at start-up.
// ---------------------------------------------------------------------------------------------

/** Stand-in for the SHA-256 values the service computes (the raw ceiling skips that CPU work). */
const DUMMY_HASH = 'ab'.repeat(32);

/**
 * One posting "debit the client's escrow, credit the hot account" as raw SQL. `naive`: the hot row
 * is locked FOR UPDATE with the client's row and updated in place instead of appending a delta.
 */
async function rawPosting(
  client: pg.Client,
  key: string,
  c: number,
  ids: { escrow: string; hot: string },
  naive: boolean,
): Promise<void> {
  const amount = AMOUNT.toString();
  await client.query('START TRANSACTION');
  try {
    const read = naive
      ? READ_FOR_POSTING_SQL.replace('FOR NO KEY UPDATE', 'FOR UPDATE')
      : READ_FOR_POSTING_SQL;
    const locked = naive
      ? [ids.escrow, ids.hot].sort((a, b) => Number(a) - Number(b))
      : [ids.escrow];
    const r = await client.query<{ now: Date; seen: unknown }>({
      name: naive ? 'bench_read_naive' : 'ledger_read_for_posting',
      text: read,
      values: [key, locked],
    });
    const head = r.rows[0];
    if (head === undefined || head.seen !== null) throw new Error(`${key} exists`);
    const m = meta(c);
    const updates = naive
      ? [
          [ids.escrow, ids.hot],
          [amount, '0'],
          ['0', amount],
          ['0', '0'],
          ['0', '0'],
        ]
      : [[ids.escrow], [amount], ['0'], ['0'], ['0']];
    const deltas = naive ? [[], [], [], [], []] : [[ids.hot], ['0'], [amount], ['0'], ['0']];
    const written = await client.query<{ seq: string }>({
      name: 'ledger_write_entry',
      text: WRITE_ENTRY_SQL,
      values: [
        key,
        'posted',
        m.eventType,
        m.reference,
        m.actor,
        head.now.toISOString(),
        '{}',
        null,
        null,
        null,
        null,
        DUMMY_HASH,
        JSON.stringify({ code: 'ok', entryKey: key }),
        DUMMY_HASH,
        [ids.escrow, ids.hot],
        ['debit', 'credit'],
        [amount, amount],
        ...updates,
        ...deltas,
      ],
    });
    if (written.rows[0] === undefined) throw new Error(`${key}: lost race`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Database and application
// ---------------------------------------------------------------------------------------------

@Module({})
class LedgerBenchModule {}

/**
 * Counts the statements sent by every pg client of this process (TypeORM's pool included: it uses
 * the same `pg` module) while `on`, keeping the first few texts.
 */
const statementProbe = { on: false, count: 0, texts: [] as string[] };

function installStatementProbe(): void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (statementProbe.on) {
      statementProbe.count += 1;
      const q = args[0];
      const text = typeof q === 'string' ? q : (q as { text?: string } | undefined)?.text;
      if (statementProbe.texts.length < 40)
        statementProbe.texts.push((text ?? '?').replace(/\s+/g, ' ').slice(0, 60));
    }
    return original.apply(this, args);
  };
}

async function main(): Promise<void> {
  installStatementProbe();
  const db = await createBenchDatabase({
    prefix: DB_PREFIX,
    synchronousCommit: true,
    env: {
      DATABASE_POOL_MAX: process.env.BENCH_POOL_MAX ?? String(CLIENTS + 4),
      DATABASE_POOL_WAIT_MS: '60000',
    },
  });
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  let app: INestApplicationContext | undefined;
  let ungroupedApp: INestApplicationContext | undefined;
  const raw: pg.Client[] = [];
  try {
    const ledgerContext = (config: AppConfig) =>
      NestFactory.createApplicationContext(
        {
          module: LedgerBenchModule,
          imports: [...(coreImports(config, quiet) ?? []), LedgerModule],
        },
        { logger: ['error', 'warn'] },
      );
    app = await ledgerContext(db.config);
    // The same service with group commit off: every posting a transaction of its own.
    ungroupedApp = await ledgerContext({
      ...db.config,
      database: {
        ...db.config.database,
        groupCommit: { ...db.config.database.groupCommit, maxCommands: 1 },
      },
    });
    const ungroupedLedger = ungroupedApp.get(LedgerService);
    const ledger = app.get(LedgerService);
    const dataSource = app.get(DataSource);
    const setting = async (name: string) =>
      ((await dataSource.query(`SHOW ${name}`)) as Record<string, string>[])[0]?.[name];
    const syncCommit = await setting('synchronous_commit');
    const fsync = await setting('fsync');
    const version = await setting('server_version');
    if (syncCommit !== 'on') throw new Error(`synchronous_commit is ${syncCommit}, must be on`);
    console.log(
      `bench:ledger — ${CLIENTS} clients, 2-line entries, warm-up ${WARMUP_SECONDS} s; service ${SECONDS} s, ` +
        `raw SQL / naive / floored ${COMPARE_SECONDS} s each; ${RELEASES} escrow releases; ${cpus().length} cpus, node ${process.version}, ` +
        `PostgreSQL ${version}, database ${db.name}`,
    );
    console.log(`synchronous_commit ${syncCommit}, fsync ${fsync}`);
    if (fsync !== 'on')
      console.log(
        'WARNING: fsync is off on this server: commits wait for the WAL write but not for the disk, ' +
          'so these figures overstate durable throughput. Run against a server with fsync on ' +
          '(DATABASE_URL / DATABASE_OWNER_URL) for the recorded figure.',
      );

    // --- accounts: the hot one, the funding source, per client an escrow (debited by phases 1-3)
    // and a dealer payable (credited by phase 4), and the floored hot escrow; all funded up front.
    const codes = [HOT, SOURCE, FLOORED_HOT];
    for (let c = 0; c < CLIENTS; c += 1) codes.push(clientEscrow(c), clientPayable(c));
    for (const code of codes) await mustBeOk(ledger, { type: 'open_account', code }, code);
    for (const code of [FLOORED_HOT, ...codes.filter((x) => x.startsWith('liability:escrow'))]) {
      await mustBeOk(
        ledger,
        {
          type: 'post',
          key: `bench:fund:${code}`,
          lines: [debit(SOURCE, FUNDING), credit(code, FUNDING)],
          meta: meta(-1),
        },
        code,
      );
    }
    const ids = new Map((await ledger.accounts()).map((a) => [a.code, a.id] as const)) as Map<
      string,
      string
    >;
    const idOf = (code: string) => {
      const id = ids.get(code);
      if (id === undefined) throw new Error(`account ${code} missing`);
      return id;
    };
    const hotId = idOf(HOT);
    let expectedHotCredits = 0n;
    let expectedEscrowDebits = 0n;

    const servicePosting = (
      prefix: string,
      lines: (c: number) => Line[],
      through: LedgerService = ledger,
    ) => {
      return async (c: number, n: number) => {
        const key = `bench:${prefix}:${c}:${n}`;
        const r = await through.execute({ type: 'post', key, lines: lines(c), meta: meta(c) });
        if (r.code !== 'ok' || r.replayed === true)
          throw new Error(`${key}: ${r.code}${r.replayed ? ' (replayed)' : ''}`);
      };
    };
    const hotLines = (c: number) => [debit(clientEscrow(c), AMOUNT), credit(HOT, AMOUNT)];
    const hotPosting = servicePosting('svc', hotLines);
    const ungroupedPosting = servicePosting('svc-ungrouped', hotLines, ungroupedLedger);

    // --- round trips per posting: the service's (group commit off: one transaction per posting,
    // as the mirror), then the raw mirror's (one client, sequential), after one posting that fills
    // the service's per-process cache of account ids.
    const probeEntries = 50;
    await ungroupedPosting(0, 999_999_999);
    statementProbe.count = 0;
    statementProbe.texts = [];
    statementProbe.on = true;
    for (let n = 0; n < probeEntries; n += 1) await ungroupedPosting(0, 1_000_000_000 + n);
    statementProbe.on = false;
    const serviceStatements = statementProbe.count / probeEntries;
    const serviceTexts = statementProbe.texts.slice(0, Math.round(serviceStatements));
    expectedHotCredits += BigInt(probeEntries + 1) * AMOUNT;
    expectedEscrowDebits += BigInt(probeEntries + 1) * AMOUNT;

    for (let c = 0; c < CLIENTS; c += 1) {
      const client = new pg.Client({
        connectionString: db.config.database.url,
        application_name: 'fixbazaar-bench-raw',
      });
      await client.connect();
      const s = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit'))
        .rows[0]?.synchronous_commit;
      if (s !== 'on') throw new Error(`raw client: synchronous_commit is ${s}, must be on`);
      raw.push(client);
    }
    const rawIds = (c: number) => ({ escrow: idOf(clientEscrow(c)), hot: hotId });
    const rawClient = (c: number) => {
      const client = raw[c];
      if (client === undefined) throw new Error(`raw client ${c} missing`);
      return client;
    };
    statementProbe.count = 0;
    statementProbe.on = true;
    for (let n = 0; n < probeEntries; n += 1)
      await rawPosting(rawClient(0), `bench:probe-raw:${n}`, 0, rawIds(0), false);
    statementProbe.on = false;
    const rawStatements = statementProbe.count / probeEntries;
    expectedHotCredits += BigInt(probeEntries) * AMOUNT;
    expectedEscrowDebits += BigInt(probeEntries) * AMOUNT;
    console.log(
      `statements per posting (group commit off): service ${serviceStatements.toFixed(1)}, raw mirror ${rawStatements.toFixed(1)}` +
        ` (service: ${serviceTexts.join(' | ')})`,
    );
    if (serviceStatements !== rawStatements)
      console.log(
        'WARNING: the raw-SQL mirror no longer matches the service statement for statement: update SQL in ledger.bench.ts',
      );

    // --- phase 1: the service, with the hot account's deltas rolled up in the background; then
    // the same through a second application context with group commit off (one transaction per
    // entry), same clients, same duration.
    const servicePhase = async (name: string, step: (c: number, n: number) => Promise<void>) => {
      let rolling = true;
      let folded = 0;
      let rollUps = 0;
      let slowestRollUp = 0;
      const rollUpLoop = (async () => {
        while (rolling) {
          await new Promise((r) => setTimeout(r, ROLLUP_MS));
          const t0 = performance.now();
          folded += await ledger.rollUpBalanceDeltas();
          slowestRollUp = Math.max(slowestRollUp, performance.now() - t0);
          rollUps += 1;
        }
      })();
      const phase = await drive(name, SECONDS, step);
      rolling = false;
      await rollUpLoop;
      console.log(
        `  roll-up every ${ROLLUP_MS} ms: ${rollUps} runs folded ${folded} deltas (slowest ${ms(slowestRollUp)}); ` +
          `backlog at the end ${await countDeltas(dataSource)}`,
      );
      return phase;
    };
    const metrics = app.get(MetricsService);
    const groups0 = await groupCommitSizes(metrics);
    const service = await servicePhase('service', hotPosting);
    const groups = await groupCommitSizes(metrics);
    const meanGroup = (groups.sum - groups0.sum) / (groups.count - groups0.count);
    console.log(
      `  group commit: ${groups.count - groups0.count} transactions, ${meanGroup.toFixed(2)} commands per transaction`,
    );
    const ungrouped = await servicePhase('service, ungrouped', ungroupedPosting);
    for (const p of [service, ungrouped]) {
      expectedHotCredits += BigInt(p.ok) * AMOUNT;
      expectedEscrowDebits += BigInt(p.ok) * AMOUNT;
    }
    let finalFold = 0;
    for (let n = await ledger.rollUpBalanceDeltas(); n > 0; n = await ledger.rollUpBalanceDeltas())
      finalFold += n;
    console.log(`deltas folded after the service phases: ${finalFold}`);
    // Every delta folded: the hot row alone must now hold every credit, exactly.
    const hotRow = await accountRow(dataSource, hotId);
    const remaining = await countDeltas(dataSource);
    const hotExact = remaining === 0 && hotRow.credits_posted === expectedHotCredits.toString();
    console.log(
      `hot account ${HOT}: credits_posted ${hotRow.credits_posted}, expected ${expectedHotCredits} ` +
        `(${service.ok + ungrouped.ok + 2 * probeEntries + 1} entries × ${AMOUNT} paise), deltas left ${remaining}: ` +
        (hotExact ? 'exact' : 'MISMATCH'),
    );
    let entriesExact = true;
    for (const [prefix, expected] of [
      ['svc', service.ok],
      ['svc-ungrouped', ungrouped.ok + probeEntries + 1],
    ] as const) {
      const entries = await countEntries(dataSource, `bench:${prefix}:%`);
      if (entries !== expected) {
        entriesExact = false;
        console.log(`MISMATCH: ${entries} bench:${prefix} entries stored, ${expected} ok`);
      }
    }

    // --- phase 2: raw SQL ceiling; phase 3: naive FOR UPDATE on the hot row.
    const rawSql = await drive('raw SQL', COMPARE_SECONDS, (c, n) =>
      rawPosting(rawClient(c), `bench:raw:${c}:${n}`, c, rawIds(c), false),
    );
    const naive = await drive('naive FOR UPDATE', COMPARE_SECONDS, (c, n) =>
      rawPosting(rawClient(c), `bench:naive:${c}:${n}`, c, rawIds(c), true),
    );
    expectedHotCredits += BigInt(rawSql.ok + naive.ok) * AMOUNT;
    expectedEscrowDebits += BigInt(rawSql.ok + naive.ok) * AMOUNT;

    // --- phase 4: the service when the one account every entry touches has a floor.
    const floored = await drive(
      'service, floored hot',
      COMPARE_SECONDS,
      servicePosting('floored', (c) => [
        debit(FLOORED_HOT, AMOUNT),
        credit(clientPayable(c), AMOUNT),
      ]),
    );

    // --- balances after every phase (service reads: row + unrolled deltas).
    const checks: [string, bigint | undefined, bigint][] = [
      [`${HOT} credits`, (await ledger.account(HOT))?.creditsPosted, expectedHotCredits],
      [
        `${FLOORED_HOT} debits`,
        (await ledger.account(FLOORED_HOT))?.debitsPosted,
        BigInt(floored.ok) * AMOUNT,
      ],
      [
        'client escrows debits',
        (await ledger.accounts())
          .filter((a) => a.code.startsWith('liability:escrow:order:bench-c'))
          .reduce((s, a) => s + a.debitsPosted, 0n),
        expectedEscrowDebits,
      ],
    ];
    let balancesExact = true;
    for (const [what, actual, expected] of checks) {
      const exact = actual === expected;
      balancesExact &&= exact;
      console.log(`${what}: ${actual} expected ${expected}: ${exact ? 'exact' : 'MISMATCH'}`);
    }
    const retries =
      (await transactionRetries(metrics)) +
      (await transactionRetries(ungroupedApp.get(MetricsService)));
    console.log(`transaction retries (deadlock / serialization): ${retries}`);

    // --- phases 5 and 6: escrow releases, group commit on, then off (ledger-release-phase.ts).
    const releases = await releasePhases(db, RELEASES, CLIENTS);

    const met = service.rate >= TARGET_RATE && service.p99 <= TARGET_P99_MS;
    console.log(
      `target ≥ ${TARGET_RATE} entries/s with p99 ≤ ${TARGET_P99_MS} ms: ${met ? 'met' : 'MISSED'}` +
        (fsync === 'on' ? '' : ' (fsync off: not a durable figure)'),
    );
    console.log(`RESULT ledger.entries_per_s ${service.rate.toFixed(0)} 1/s`);
    console.log(`RESULT ledger.p50_ms ${service.p50.toFixed(1)} ms`);
    console.log(`RESULT ledger.p99_ms ${service.p99.toFixed(1)} ms`);
    console.log(`RESULT ledger.slowest_second_entries ${service.minSecond} 1/s`);
    console.log(`RESULT ledger.statements_per_entry ${serviceStatements.toFixed(1)} 1`);
    console.log(`RESULT ledger.node_cpu_per_entry ${service.cpuMicros.toFixed(0)} us`);
    console.log(`RESULT ledger.raw_sql_entries_per_s ${rawSql.rate.toFixed(0)} 1/s`);
    console.log(`RESULT ledger.naive_for_update_entries_per_s ${naive.rate.toFixed(0)} 1/s`);
    console.log(`RESULT ledger.ungrouped_entries_per_s ${ungrouped.rate.toFixed(0)} 1/s`);
    console.log(`RESULT ledger.ungrouped_p99_ms ${ungrouped.p99.toFixed(1)} ms`);
    console.log(
      `RESULT ledger.grouped_to_ungrouped ${(service.rate / ungrouped.rate).toFixed(2)} x`,
    );
    console.log(`RESULT ledger.group_commit_mean_commands ${meanGroup.toFixed(2)} 1`);
    console.log(`RESULT ledger.ratio_to_raw_sql ${(service.rate / rawSql.rate).toFixed(2)} x`);
    console.log(
      `RESULT ledger.ratio_to_naive_for_update ${(service.rate / naive.rate).toFixed(2)} x`,
    );
    console.log(`RESULT ledger.floored_entries_per_s ${floored.rate.toFixed(0)} 1/s`);
    console.log(`RESULT ledger.floored_p99_ms ${floored.p99.toFixed(1)} ms`);
    const { grouped: rg, ungrouped: ru, job } = releases;
    console.log(`RESULT ledger.release_grouped_per_s ${rg.releasesPerSecond.toFixed(0)} 1/s`);
    console.log(`RESULT ledger.release_ungrouped_per_s ${ru.releasesPerSecond.toFixed(0)} 1/s`);
    console.log(
      `RESULT ledger.release_grouped_entries_per_s ${rg.entriesPerSecond.toFixed(0)} 1/s`,
    );
    console.log(
      `RESULT ledger.release_ungrouped_entries_per_s ${ru.entriesPerSecond.toFixed(0)} 1/s`,
    );
    console.log(`RESULT ledger.release_p50_ms ${rg.p50.toFixed(1)} ms`);
    console.log(`RESULT ledger.release_p99_ms ${rg.p99.toFixed(1)} ms`);
    console.log(`RESULT ledger.release_ungrouped_p99_ms ${ru.p99.toFixed(1)} ms`);
    console.log(
      `RESULT ledger.release_grouped_to_ungrouped ${(rg.releasesPerSecond / ru.releasesPerSecond).toFixed(2)} x`,
    );
    console.log(`RESULT ledger.release_job_per_s ${job.releasesPerSecond.toFixed(0)} 1/s`);
    const failed =
      !releases.exact ||
      !hotExact ||
      !entriesExact ||
      !balancesExact ||
      [service, ungrouped, rawSql, naive, floored, rg, ru, job].some((p) => p.errors > 0);
    if (failed) {
      console.error('bench:ledger FAILED: errors or inexact balances (see above)');
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(raw.map((c) => c.end()));
    await ungroupedApp?.close();
    await app?.close();
    await db.drop();
  }
}

async function mustBeOk(
  ledger: LedgerService,
  command: Parameters<LedgerService['execute']>[0],
  what: string,
): Promise<void> {
  const r = await ledger.execute(command);
  if (r.code !== 'ok') throw new Error(`setup ${what}: ${r.code}`);
}

async function countDeltas(ds: DataSource): Promise<number> {
  const rows = (await ds.query(`SELECT count(*)::int AS n FROM ledger_balance_deltas`)) as {
    n: number;
  }[];
  return rows[0]?.n ?? -1;
}

async function countEntries(ds: DataSource, like: string): Promise<number> {
  const rows = (await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE id LIKE $1`, [
    like,
  ])) as { n: number }[];
  return rows[0]?.n ?? -1;
}

async function accountRow(ds: DataSource, id: string): Promise<{ credits_posted: string }> {
  const rows = (await ds.query(
    `SELECT credits_posted::text AS credits_posted FROM ledger_accounts WHERE id = $1`,
    [id],
  )) as { credits_posted: string }[];
  const row = rows[0];
  if (row === undefined) throw new Error(`account ${id} missing`);
  return row;
}

/** Sum and count of the `db_group_commit_commands` histogram (commands per group-commit transaction). */
async function groupCommitSizes(metrics: MetricsService): Promise<{ sum: number; count: number }> {
  const metric = metrics.registry.getSingleMetric('db_group_commit_commands');
  const values = metric === undefined ? [] : (await metric.get()).values;
  const of = (name: string) =>
    values.find((v) => (v as { metricName?: string }).metricName === name)?.value ?? 0;
  return { sum: of('db_group_commit_commands_sum'), count: of('db_group_commit_commands_count') };
}

async function transactionRetries(metrics: MetricsService): Promise<number> {
  const metric = metrics.registry.getSingleMetric('db_transaction_retries_total');
  const values = metric === undefined ? [] : (await metric.get()).values;
  return values.reduce((n, v) => n + v.value, 0);
}

main().catch((err: unknown) => {
  console.error('bench:ledger failed:', err);
  process.exitCode = 1;
});
