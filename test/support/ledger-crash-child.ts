/**
 * Child process of test/ledger-crash.e2e-spec.ts. Runs the crash case's command through the real
 * LedgerService and stops inside its transaction at the kill point, then prints
 * `PAUSED <backend pid> <xid or ->` and waits forever: the parent SIGKILLs it there.
 *
 *   node --import ./test/support/ledger-crash-loader.js test/support/ledger-crash-child.ts <kill point> <tag>
 *   (env CRASH_DATABASE_URL, CRASH_DATABASE_OWNER_URL)
 *
 * The stop is a hook on node-postgres's `Client.prototype.query`, installed after a warm-up, so every
 * statement before it is the service's own, on its production path (database clock, hot path).
 */
import pg from 'pg';
import { TransactionRunner } from '../../src/database/transaction.js';
import {
  crashCommands,
  killPoint,
  type KillPoint,
  warmUpCommand,
} from './ledger-crash-scenario.js';
import { startLedgerOn } from './ledger.js';

type QueryFn = (this: unknown, ...args: unknown[]) => unknown;
/** The node-postgres client a statement ran on (so the pause reports that very session). */
type Client = { query(text: string): Promise<{ rows: { pid: number; xid: string | null }[] }> };

async function pauseForever(client: Client): Promise<never> {
  const { rows } = await client.query(
    `SELECT pg_backend_pid() AS pid, pg_current_xact_id_if_assigned()::text AS xid`,
  );
  process.stdout.write(`PAUSED ${rows[0].pid} ${rows[0].xid ?? '-'}\n`);
  setInterval(() => undefined, 60_000);
  return new Promise<never>(() => undefined);
}

/**
 * Hooks node-postgres itself (every statement of TypeORM and of the service's prepared statements
 * goes through `Client.prototype.query`): once the statement matching the kill point has run for the
 * n-th time, its session reports and pauses, never returning to the service.
 */
function pauseAfter(point: KillPoint): void {
  const after = point.after;
  if (after === undefined) return;
  let seen = 0;
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
    if (process.env.CRASH_DEBUG && typeof text === 'string') {
      process.stderr.write(`SQL ${text.trim().slice(0, 60)}\n`);
    }
    if (typeof text !== 'string' || !after.test(text)) return original.apply(this, args);
    seen += 1;
    if (seen !== (point.occurrence ?? 1)) return original.apply(this, args);
    const client = this as Client;
    const last = args[args.length - 1];
    const callback = typeof last === 'function' ? (args.pop() as (...r: unknown[]) => void) : null;
    const ran = (original.apply(this, args) as Promise<unknown>).then(async () =>
      pauseForever({ query: (q) => original.call(client, q) as ReturnType<Client['query']> }),
    );
    if (callback === null) return ran;
    ran.catch((err: unknown) => callback(err));
    return undefined;
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
  // One batch in flight at a time, so the grouped commands wait together behind the first command.
  const app = await startLedgerOn(
    { appUrl, ownerUrl },
    { env: { DATABASE_GROUP_COMMIT_CONCURRENCY: '1' } },
  );
  const warmUp = await app.ledger.execute(warmUpCommand(tag));
  if (warmUp.code !== 'exceeds_credits') throw new Error(`warm-up: ${JSON.stringify(warmUp)}`);
  pauseAfter(point);
  const commands = crashCommands(tag, point.shape);
  const command = commands[0]!;
  if (point.shape === 'grouped') {
    // The refused warm-up again (a key of its own) runs alone and writes nothing; the four postings
    // submitted meanwhile then share the next transaction, killed after three of them are written.
    await Promise.all(
      [{ ...warmUpCommand(tag), key: `${tag}:blocker` }, ...commands].map((c) =>
        app.ledger.execute(c),
      ),
    );
  } else if (point.after !== undefined) {
    await app.ledger.execute(command);
  } else {
    // before-commit: the command inside a transaction of our own, which is never committed.
    await app.moduleRef.get(TransactionRunner).run(async (tx) => {
      const result = await app.ledger.executeIn(tx, command);
      if (result.code !== 'ok') throw new Error(`command refused: ${JSON.stringify(result)}`);
      await pauseForever(
        (tx.queryRunner as unknown as { databaseConnection: Client }).databaseConnection,
      );
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
