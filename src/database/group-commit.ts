/**
 * Group commit: commands that arrive together run in one database transaction, each inside a
 * savepoint of its own, so one COMMIT (one WAL flush) serves them all while each keeps its own
 * result and all-or-nothing effect.
 *
 * Batching is `StatementBatcher`'s: a command submitted while fewer than `concurrency` batches are
 * in flight starts a batch at once (an idle process adds no wait); commands submitted meanwhile go
 * together in the next batch, at most `maxCommands` of them. The window is therefore the time the
 * batch before took, and batches grow with the load.
 *
 * A batch, on one connection: `START TRANSACTION`; lock waits bounded (`LOCK_WAIT_MS`); every
 * constraint checked at its statement (`SET CONSTRAINTS ALL IMMEDIATE`, so a COMMIT never fails for
 * one command's deferred check); per command `SAVEPOINT group_command`, its work, and
 * `RELEASE SAVEPOINT group_command` sent with the next command's `SAVEPOINT` (one round trip
 * between two commands); `COMMIT`. A command whose work throws is rolled back to its savepoint —
 * its writes and the domain events it queued are dropped — and its caller gets the error; its
 * neighbours go on. A deadlock, a serialization failure or a lock waited for too long is not the
 * command's fault: it is rolled back the same way and run again alone after the batch has committed
 * (`TransactionRunner.run`, with its retries). Results are handed out only after COMMIT. If the
 * batch itself fails (the connection is lost, COMMIT fails) every command of it not already
 * refused gets that error, exactly as a transaction of its own would have: nothing of it committed,
 * or, for a failed COMMIT, the outcome is unknown and the caller's idempotency key settles it.
 *
 * What may be grouped: work written for `TransactionRunner.run` at READ COMMITTED that makes no
 * external call (the work waits on nothing but this connection: every command of the batch waits
 * behind it), and that does not end the transaction itself. A command sees the writes of the
 * commands before it in its batch, as if they had committed just before it started. PostgreSQL
 * keeps up to 64 subtransaction ids per transaction in shared memory before every other session's
 * snapshots get slower; each command uses one, plus one per nested savepoint that writes (the
 * ledger's `executeIn`), which is why `maxCommands` stays small.
 */
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { dropEventsQueuedSince, queuedEventCount } from '../common/state-transition.js';
import { sqlStateOf } from './sql.js';
import { StatementBatcher } from './statement-batcher.js';

export type GroupedWork = (tx: EntityManager) => Promise<unknown>;

/** How one command of a batch ended: its value, its own error, or "run it again alone". */
export type GroupedOutcome = { value: unknown } | { error: unknown } | { alone: true };

export interface GroupCommitOptions {
  /** Commands per transaction at most (1: every command alone). */
  maxCommands: number;
  /** Batches in flight at once, each on a connection of its own. */
  concurrency: number;
}

/**
 * Errors that are the batch's interleaving, not the command's: rerun the command alone. 55P03: a
 * lock waited for longer than `LOCK_WAIT_MS`.
 */
const NOT_THE_COMMANDS_FAULT = new Set(['40001', '40P01', '55P03']);

/**
 * How long a command in a batch waits for a lock before it is rolled back and rerun alone. A batch
 * holds the locks of its earlier commands while a later one waits, so two batches (of this process
 * or another) whose commands lock the same rows in different orders would wait on each other: a
 * deadlock PostgreSQL finds only after `deadlock_timeout` (1 s). Bounding the wait breaks such a
 * cycle within this time instead, and a command that simply met a long transaction waits again,
 * alone.
 */
const LOCK_WAIT_MS = 50;

export class GroupCommit {
  private submitted = 0;
  private readonly batcher: StatementBatcher<GroupedWork, GroupedOutcome>;

  constructor(
    private readonly dataSource: DataSource,
    options: GroupCommitOptions,
    private readonly observe: (commands: number) => void,
  ) {
    this.batcher = new StatementBatcher((works) => this.runBatch(works), {
      key: () => String((this.submitted += 1)),
      maxBatch: options.maxCommands,
      concurrency: options.concurrency,
    });
  }

  /** Runs `work` in the next batch; rejects only when the batch itself failed. */
  submit(work: GroupedWork): Promise<GroupedOutcome> {
    return this.batcher.call(work);
  }

  private async runBatch(works: GroupedWork[]): Promise<GroupedOutcome[]> {
    this.observe(works.length);
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      const outcomes: GroupedOutcome[] = [];
      for (const [i, work] of works.entries()) {
        await runner.query(
          i === 0
            ? `SET LOCAL lock_timeout = ${LOCK_WAIT_MS}; SET CONSTRAINTS ALL IMMEDIATE; SAVEPOINT group_command`
            : 'RELEASE SAVEPOINT group_command; SAVEPOINT group_command',
        );
        outcomes.push(await this.runOne(runner, work));
      }
      await runner.commitTransaction();
      return outcomes;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }

  /** One command inside its savepoint; rolled back to it when its work throws. */
  private async runOne(runner: QueryRunner, work: GroupedWork): Promise<GroupedOutcome> {
    const events = queuedEventCount(runner);
    try {
      return { value: await work(runner.manager) };
    } catch (error) {
      // If this fails the connection is gone: the batch fails with the command's error.
      await runner.query('ROLLBACK TO SAVEPOINT group_command').catch(() => {
        throw error;
      });
      dropEventsQueuedSince(runner, events);
      const code = sqlStateOf(error);
      return code !== undefined && NOT_THE_COMMANDS_FAULT.has(code) ? { alone: true } : { error };
    }
  }
}
