/**
 * Child process of test/ledger-crash.e2e-spec.ts. Runs the crash case's command through the real
 * LedgerService and stops inside its transaction at the kill point, then prints
 * `PAUSED <backend pid> <xid or ->` and waits forever: the parent SIGKILLs it there.
 *
 *   node --import ./test/support/ledger-crash-loader.js test/support/ledger-crash-child.ts <kill point> <tag>
 *   (env CRASH_DATABASE_URL, CRASH_DATABASE_OWNER_URL)
 *
 * The stop is a hook on the query runners of the app's data source (one per transaction), so every
 * statement before it is the service's own, on its production path (database clock).
 */
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../../src/database/transaction.js';
import {
  crashCommand,
  killPoint,
  type KillPoint,
  startLedgerOn,
  warmUpCommand,
} from './ledger-crash-scenario.js';

type Query = (sql: string, params?: unknown[], structured?: boolean) => Promise<unknown>;

async function pauseForever(query: Query): Promise<never> {
  const result = (await query(
    `SELECT pg_backend_pid() AS pid, pg_current_xact_id_if_assigned()::text AS xid`,
    [],
    true,
  )) as { records: { pid: number; xid: string | null }[] };
  const row = result.records[0];
  process.stdout.write(`PAUSED ${row.pid} ${row.xid ?? '-'}\n`);
  setInterval(() => undefined, 60_000);
  return new Promise<never>(() => undefined);
}

/**
 * Wraps every query runner the data source creates (one per transaction) so that the statement
 * matching the kill point, on its n-th run in this process, is followed by a pause that never ends.
 */
function pauseAfter(dataSource: DataSource, point: KillPoint): void {
  const after = point.after;
  if (after === undefined) return;
  let seen = 0;
  const create = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (...args: Parameters<DataSource['createQueryRunner']>) => {
    const runner = create(...args);
    const hooked = runner as unknown as { query: Query };
    const original: Query = hooked.query.bind(runner);
    hooked.query = async (sql, params, structured) => {
      const result = await original(sql, params, structured);
      if (process.env.CRASH_DEBUG) process.stderr.write(`SQL ${sql.slice(0, 60)}\n`);
      if (after.test(sql)) {
        seen += 1;
        if (seen === (point.occurrence ?? 1)) await pauseForever(original);
      }
      return result;
    };
    return runner;
  };
}

async function main(): Promise<void> {
  const [name, tag] = process.argv.slice(2);
  const appUrl = process.env.CRASH_DATABASE_URL;
  const ownerUrl = process.env.CRASH_DATABASE_OWNER_URL;
  if (name === undefined || tag === undefined || !appUrl || !ownerUrl) {
    throw new Error('usage: ledger-crash-child.ts <kill point> <tag> (env CRASH_DATABASE_URL…)');
  }
  const point = killPoint(name);
  // The production clock (database time): the command takes the service's real path.
  const app = await startLedgerOn({ appUrl, ownerUrl });
  const warmUp = await app.ledger.execute(warmUpCommand(tag));
  if (warmUp.code !== 'exceeds_credits') throw new Error(`warm-up: ${JSON.stringify(warmUp)}`);
  pauseAfter(app.moduleRef.get(DataSource), point);
  const command = crashCommand(tag, point.shape);
  if (point.after !== undefined) {
    await app.ledger.execute(command);
  } else {
    // before-commit: the command inside a transaction of our own, which is never committed.
    await app.moduleRef.get(TransactionRunner).run(async (tx) => {
      const result = await app.ledger.executeIn(tx, command);
      if (result.code !== 'ok') throw new Error(`command refused: ${JSON.stringify(result)}`);
      const runner = tx.queryRunner as unknown as { query: Query };
      await pauseForever(runner.query.bind(runner));
    });
  }
  // Reaching this line means the kill point was never hit: the parent fails on the exit.
  process.stdout.write('COMPLETED\n');
  await app.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
