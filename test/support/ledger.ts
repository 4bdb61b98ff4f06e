/**
 * The ledger without HTTP: core modules + LedgerModule on a database, for the ledger's e2e tests and
 * the crash test's child process (which loads this file through ledger-crash-loader.js).
 */
import { Writable } from 'node:stream';
import { Test, type TestingModule } from '@nestjs/testing';
import type pg from 'pg';
import { coreImports } from '../../src/app.module.js';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';
import { entryHash } from '../../src/ledger/domain/entry-hash.js';
import { LedgerModule } from '../../src/ledger/ledger.module.js';
import { LedgerClock } from '../../src/ledger/persistence/ledger-clock.js';
import { LedgerService } from '../../src/ledger/persistence/ledger.service.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface LedgerOptions {
  /** Replaces the production clock (database time). */
  readonly clock?: LedgerClock;
  /** Environment variables on top of the process's, e.g. `DATABASE_POOL_MAX`. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LedgerApp {
  readonly moduleRef: TestingModule;
  readonly config: AppConfig;
  readonly ledger: LedgerService;
  close(): Promise<void>;
}

/** A ledger on a database of its own, dropped by `close`. */
export interface FreshLedgerApp extends LedgerApp {
  readonly db: TestDatabase;
}

/**
 * A pool for tests that run many commands at once: 1,000 commands queue for the pool, and on a busy
 * 2-core machine the last wait several seconds.
 */
export const LARGE_POOL_ENV: Readonly<Record<string, string>> = {
  DATABASE_POOL_MAX: '24',
  DATABASE_POOL_WAIT_MS: '60000',
};

/** Core modules + LedgerModule on the given database (no HTTP). */
export async function startLedgerOn(
  urls: { appUrl: string; ownerUrl: string },
  options: LedgerOptions = {},
): Promise<LedgerApp> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    ...options.env,
    DATABASE_URL: urls.appUrl,
    DATABASE_OWNER_URL: urls.ownerUrl,
  });
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  let builder = Test.createTestingModule({
    imports: [...(coreImports(config, quiet) ?? []), LedgerModule],
  });
  if (options.clock !== undefined) {
    builder = builder.overrideProvider(LedgerClock).useValue(options.clock);
  }
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return {
    moduleRef,
    config,
    ledger: moduleRef.get(LedgerService),
    close: () => moduleRef.close(),
  };
}

/** `startLedgerOn` a fresh database; `close` also drops it. */
export async function startLedger(options: LedgerOptions = {}): Promise<FreshLedgerApp> {
  const db = await createTestDatabase();
  const app = await startLedgerOn(db, options);
  return {
    ...app,
    db,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

/** An entry's hash recomputed from its stored row, the way an attacker covering tracks would. */
export async function recomputedHash(c: pg.Client, id: string): Promise<string> {
  const [e] = (
    await c.query<{
      id: string;
      kind: string;
      event_type: string;
      reference: string;
      actor: string;
      effective_at: Date;
      metadata: Record<string, unknown>;
      pending_id: string | null;
      reversal_of: string | null;
      timeout_at: Date | null;
      input_hash: string;
      result: Record<string, unknown>;
    }>(`SELECT * FROM ledger_entries WHERE id = $1`, [id])
  ).rows;
  const lines = await c.query<{ code: string; side: 'debit' | 'credit'; amount: string }>(
    `SELECT a.code, l.side, l.amount::text AS amount FROM ledger_lines l
     JOIN ledger_accounts a ON a.id = l.account_id WHERE l.entry_id = $1 ORDER BY l.line_no`,
    [id],
  );
  return entryHash({
    id: e.id,
    kind: e.kind,
    eventType: e.event_type,
    reference: e.reference,
    actor: e.actor,
    effectiveAtMs: e.effective_at.getTime(),
    metadata: e.metadata,
    pendingId: e.pending_id,
    reversalOf: e.reversal_of,
    timeoutAtMs: e.timeout_at?.getTime() ?? null,
    inputHash: e.input_hash,
    result: e.result,
    lines: lines.rows.map((l) => ({
      account: l.code,
      side: l.side,
      amountPaise: BigInt(l.amount),
    })),
  });
}
