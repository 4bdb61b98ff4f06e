/**
 * Applies a declared state machine (`state-machine.ts`) inside the caller's transaction: the one
 * `transition()` every status change of a machine's object goes through. It
 *
 * 1. validates the move against the table (refusals are `TransitionRefused` problems: 409
 *    `<prefix>/invalid-transition`, or `<prefix>/reason-required`, naming `from`, `event` and `to`);
 * 2. runs the object's own conditional update (`… WHERE id = $1 AND status = <from>`; the caller has
 *    usually locked the row `FOR UPDATE` already) and refuses with the same 409 if it changed nothing;
 * 3. writes the object's history row (its own append-only table);
 * 4. queues the domain event, published on the EventBus once the transaction has committed, and only
 *    if its history row survived: never after a rollback, nor when a savepoint the transition ran in
 *    was rolled back (the webhook inbox and the ledger use savepoints).
 *
 * The module's store keeps its SQL (the update and the history insert are callbacks); the helper owns
 * the order of the steps and the delivery of the event.
 */
import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import {
  DataSource,
  type EntityManager,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';
import { AppProblem } from './errors/problem.js';
import { decide, type StateMachine } from './state-machine.js';

/** A transition the table (or a concurrent change of the row) refused. */
export class TransitionRefused extends AppProblem {
  constructor(
    status: number,
    code: string,
    detail: string,
    readonly from: string,
    readonly event: string,
    readonly to: string | null,
    extensions: Record<string, unknown>,
  ) {
    super(status, code, status === 409 ? 'Not allowed now' : 'Reason required', detail, {
      ...extensions,
      from,
      event,
      ...(to === null ? {} : { to }),
    });
  }
}

export interface TransitionRequest<S, E extends string, A extends string> {
  /** The state the caller read (under its lock). */
  from: S;
  event: E;
  actor: A;
  /** The target when the row allows several (default: its first). */
  to?: S;
  reason?: string | null;
  /** HTTP status of a missing reason (the module's API: 400 or 422). */
  reasonRequiredStatus: 400 | 422;
  /** Extra fields of a refusal's problem document (e.g. `{ subOrderId, subOrderStatus }`). */
  problem?: Record<string, unknown>;
}

export interface TransitionWrites<S, R> {
  /** The object's history table, which `insertHistory` writes (named for the after-commit check). */
  historyTable: string;
  /** Moves the row `from` → `to`, conditional on it still being in `from`: rows affected, and the row when returned. */
  update(from: S, to: S): Promise<{ affected: number; row?: R }>;
  /** Inserts the history row; returns its id. */
  insertHistory(from: S, to: S): Promise<string>;
  /** The domain event published after commit, if the object has one. */
  event?(from: S, to: S): object;
}

interface PendingEvent {
  /** Null for an event not tied to a history row (`publishAfterCommit`). */
  historyTable: string | null;
  historyId: string;
  event: object;
}

const pending = new WeakMap<QueryRunner, PendingEvent[]>();

/** Validates and applies one transition in `tx` (see the file comment). Returns the target and the updated row. */
export async function transition<S, E extends string, A extends string, R = never>(
  tx: EntityManager,
  machine: StateMachine<S, E, A>,
  request: TransitionRequest<S, E, A>,
  writes: TransitionWrites<S, R>,
): Promise<{ to: S; row: R | undefined }> {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive)
    throw new Error('transition() needs a transactional EntityManager');
  const { from, event, actor } = request;
  const key = machine.key;
  const decision = decide(machine, from, event, actor, {
    ...(request.to !== undefined ? { to: request.to } : {}),
    reason: request.reason ?? null,
  });
  const refuse = (status: number, code: string, detail: string, to = request.to) =>
    new TransitionRefused(
      status,
      code,
      detail,
      key(from),
      event,
      to === undefined ? null : key(to),
      request.problem ?? {},
    );
  if (!decision.ok)
    throw refuse(
      decision.code.endsWith('/reason-required') ? request.reasonRequiredStatus : 409,
      decision.code,
      decision.detail,
    );
  const { affected, row } = await writes.update(from, decision.to);
  if (affected !== 1)
    throw refuse(
      409,
      `${machine.codePrefix}/invalid-transition`,
      `The ${machine.noun} is no longer ${machine.describe(from)}`,
      decision.to,
    );
  const historyId = await writes.insertHistory(from, decision.to);
  if (writes.event) {
    const queue = pending.get(runner) ?? [];
    queue.push({
      historyTable: writes.historyTable,
      historyId,
      event: writes.event(from, decision.to),
    });
    pending.set(runner, queue);
  }
  return { to: decision.to, row };
}

/**
 * Queues a domain event that is not a state transition (e.g. a repair offer made) for publication once
 * `tx`'s outermost transaction has committed; a rollback drops it.
 */
export function publishAfterCommit(tx: EntityManager, event: object): void {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive)
    throw new Error('publishAfterCommit() needs a transactional EntityManager');
  const queue = pending.get(runner) ?? [];
  queue.push({ historyTable: null, historyId: '', event });
  pending.set(runner, queue);
}

/** How many events the transaction on `runner` has queued so far (a mark for `dropEventsQueuedSince`). */
export function queuedEventCount(runner: QueryRunner): number {
  return pending.get(runner)?.length ?? 0;
}

/**
 * Drops the events queued after `count` (the mark taken at a savepoint the work was rolled back to:
 * its transitions' history rows are gone, and the events not tied to one must go too).
 */
export function dropEventsQueuedSince(runner: QueryRunner, count: number): void {
  pending.get(runner)?.splice(count);
}

/**
 * Delivers the queued events of a transaction: before COMMIT it keeps those whose history row still
 * exists (one query per history table), after COMMIT of the outermost transaction it publishes them;
 * a rollback of the outermost transaction drops them.
 */
export class PublishTransitionsAfterCommit implements EntitySubscriberInterface {
  constructor(private readonly publish: (events: object[]) => void) {}

  async beforeTransactionCommit({ queryRunner }: TransactionCommitEvent): Promise<void> {
    const queue = pending.get(queryRunner);
    if (queue === undefined) return;
    const surviving = new Set<string>();
    for (const table of new Set(
      queue.flatMap((p) => (p.historyTable === null ? [] : [p.historyTable])),
    )) {
      const ids = queue.filter((p) => p.historyTable === table).map((p) => p.historyId);
      const rows = (await queryRunner.query(
        `SELECT id::text AS id FROM ${table} WHERE id = ANY($1::bigint[])`,
        [ids],
      )) as { id: string }[];
      for (const r of rows) surviving.add(`${table}/${r.id}`);
    }
    pending.set(
      queryRunner,
      queue.filter(
        (p) => p.historyTable === null || surviving.has(`${p.historyTable}/${p.historyId}`),
      ),
    );
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    if (queryRunner.isTransactionActive) return; // a nested transaction's savepoint was released
    const queue = pending.get(queryRunner);
    pending.delete(queryRunner);
    if (queue !== undefined && queue.length > 0) this.publish(queue.map((p) => p.event));
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) pending.delete(queryRunner);
  }
}

/** Registers the after-commit delivery on the application's data source. */
@Injectable()
export class StateTransitionEvents implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(
      new PublishTransitionsAfterCommit((events) => this.events.publishAll(events)),
    );
  }
}

@Global()
@Module({ providers: [StateTransitionEvents] })
export class StateTransitionModule {}
