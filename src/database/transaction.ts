import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { Counter, Histogram } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../observability/metrics.service.js';
import { GroupCommit } from './group-commit.js';
import { sqlStateOf, type PreparedClient } from './sql.js';
import { connectionOptions } from './data-source-options.js';

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const MAX_ATTEMPTS = 5;
/**
 * The planned pool's connections: every parameterized statement gets one generic plan per
 * connection. A statement, not a startup parameter: PgBouncer drops those
 * (deploy/base/platform/pgbouncer.yaml).
 */
export const GENERIC_PLAN_SETUP = 'SET plan_cache_mode = force_generic_plan';
const PLANNED_POOL_MAX = 6;
/** node-postgres's pool, when no connection freed up within `DATABASE_POOL_WAIT_MS`. */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';

/**
 * No connection within the pool wait: the server is overloaded, not broken. Callers get 503
 * `service/busy` with `Retry-After` (REST and the chat socket alike), never an internal error, and
 * the wait is counted.
 */
const busy = () =>
  new AppProblem(
    503,
    'service/busy',
    'Service busy',
    'Too much is happening at once: try again in a moment',
    { retryAfterSeconds: 1 },
    { 'retry-after': '1' },
  );

/** Single statements, each in a transaction of its own (see `TransactionRunner.once`). */
export interface Statements {
  once<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    name?: string,
  ): Promise<{ rows: T[]; affected: number }>;
}

/** One pooled connection (`TransactionRunner.onOneConnection`). */
export interface OneConnection extends Statements {
  /**
   * The connection as an EntityManager, for the stores' functions: outside a transaction block, so
   * each statement is its own transaction (for reads that need no common snapshot).
   */
  readonly manager: EntityManager;
}

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/**
 * One command = one transaction. Serialization failures and deadlocks are retried (bounded, with jitter)
 * and counted in `db_transaction_retries_total`; anything else propagates.
 */
@Injectable()
export class TransactionRunner implements Statements, OnApplicationShutdown {
  private readonly logger = new Logger(TransactionRunner.name);
  /** Opened on first use (`planned`). */
  private plannedPool: pg.Pool | undefined;
  private readonly retries: Counter<'sqlstate'>;
  private readonly poolTimeouts: Counter;
  private readonly aloneAfterGroup: Counter;
  /** Null when DATABASE_GROUP_COMMIT_MAX is 1: `grouped` is `run`. */
  private readonly group: GroupCommit | null;

  constructor(
    private readonly dataSource: DataSource,
    metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.retries = new Counter({
      name: 'db_transaction_retries_total',
      help: 'Transactions retried after a serialization failure or deadlock',
      labelNames: ['sqlstate'] as const,
      registers: [metrics.registry],
    });
    this.poolTimeouts = new Counter({
      name: 'db_pool_wait_timeouts_total',
      help: 'Commands refused 503 service/busy: no database connection within DATABASE_POOL_WAIT_MS',
      registers: [metrics.registry],
    });
    this.aloneAfterGroup = new Counter({
      name: 'db_group_commit_alone_total',
      help: 'Grouped commands run again alone after a deadlock or serialization failure in their batch',
      registers: [metrics.registry],
    });
    const sizes = new Histogram({
      name: 'db_group_commit_commands',
      help: 'Commands per group-commit transaction',
      buckets: [1, 2, 4, 8, 16, 32],
      registers: [metrics.registry],
    });
    const { maxCommands, concurrency } = config.database.groupCommit;
    this.group =
      maxCommands > 1
        ? new GroupCommit(dataSource, { maxCommands, concurrency }, (n) => sizes.observe(n))
        : null;
  }

  /** The pool's wait timeout as 503 `service/busy` (counted); anything else as it is. */
  private overloadOr(err: unknown): unknown {
    if (!(err instanceof Error) || err.message !== POOL_WAIT_TIMEOUT) return err;
    this.poolTimeouts.inc();
    return busy();
  }

  async run<T>(
    work: (tx: EntityManager) => Promise<T>,
    isolation: IsolationLevel = 'READ COMMITTED',
  ): Promise<T> {
    // READ COMMITTED is every connection's default (data-source options): not naming it saves a
    // SET TRANSACTION round trip.
    return this.retried(() =>
      isolation === 'READ COMMITTED'
        ? this.dataSource.transaction(work)
        : this.dataSource.transaction(isolation, work),
    );
  }

  /**
   * `run` for a command that may share its transaction with others submitted at the same time (group
   * commit, src/database/group-commit.ts): one COMMIT for the group, each command inside a savepoint
   * of its own, its result handed out after the COMMIT. For READ COMMITTED work that makes no
   * external call and does not rely on deferred constraints; a refusal (a thrown error) rolls back
   * this command only.
   */
  async grouped<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    if (this.group === null) return this.run(work);
    let outcome;
    try {
      outcome = await this.group.submit(work);
    } catch (err) {
      throw this.overloadOr(err);
    }
    if ('error' in outcome) throw outcome.error;
    if ('alone' in outcome) {
      this.aloneAfterGroup.inc();
      return this.run(work);
    }
    return outcome.value as T;
  }

  /** `attempt` again after a serialization failure or deadlock (it rolled back whole), at most MAX_ATTEMPTS times. */
  private async retried<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        const code = sqlStateOf(err);
        if (!code || !RETRYABLE.has(code) || n >= MAX_ATTEMPTS) throw this.overloadOr(err);
        this.retries.inc({ sqlstate: code });
        this.logger.warn(`transaction retry ${n} after SQLSTATE ${code}`);
        await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** n));
      }
    }
  }

  /**
   * One statement, in a transaction of its own (PostgreSQL's implicit one: a single round trip, no
   * BEGIN/COMMIT). Its rows, and the affected-row count as `execute` gives them. With `name`, a named
   * prepared statement, as `executePrepared` (parsed once per connection; PostgreSQL may still plan it
   * for each execution's values: `planned` plans once). Retried as
   * `run` is after a serialization failure or deadlock.
   */
  once<T = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    name?: string,
  ): Promise<{ rows: T[]; affected: number }> {
    return this.retried(() => this.onOneConnection((db) => db.once<T>(sql, params, name)));
  }

  /**
   * Single statements, as `once`, planned once per connection: named prepared statements on a small
   * pool of connections of their own (application name `fixbazaar-planned`, at most 6) with
   * `plan_cache_mode = force_generic_plan`. Left to choose, PostgreSQL plans a prepared statement
   * with parameters afresh on every execution whenever its estimate of the generic plan is worse
   * than the custom ones (arrays, spatial operators), and for a large statement the planning costs
   * as much as running it. Only for hot statements whose best plan does not depend on the values
   * (docs/performance.md, "Hot statements planned once"); every other statement keeps the main
   * pool's default.
   */
  readonly planned: Statements = {
    once: <T = Record<string, unknown>>(sql: string, params: unknown[] = [], name?: string) =>
      this.retried(async () => {
        const result = await this.plannedPoolOf().query({ name, text: sql, values: params });
        return { rows: result.rows as T[], affected: result.rowCount ?? result.rows.length };
      }),
  };

  private plannedPoolOf(): pg.Pool {
    if (this.plannedPool) return this.plannedPool;
    const pool = new pg.Pool({
      connectionString: this.config.database.url,
      application_name: 'fixbazaar-planned',
      max: PLANNED_POOL_MAX,
      // Kept open once made, idle or not: a new connection's first run of a large statement (the
      // catalog of every table and PostGIS function it names loaded into a fresh backend) costs
      // tens of milliseconds, which a quiet spell would otherwise charge to the next requests.
      min: PLANNED_POOL_MAX,
      options: connectionOptions(this.config),
      connectionTimeoutMillis: this.config.database.poolWaitMs,
    });
    // Queued before any other query of the new connection, so it runs first.
    pool.on('connect', (client) => {
      client
        .query(GENERIC_PLAN_SETUP)
        .catch((err: Error) => this.logger.warn(`planned connection setup failed: ${err.message}`));
    });
    pool.on('error', (err) => this.logger.warn(`planned connection lost: ${err.message}`));
    this.plannedPool = pool;
    return pool;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.plannedPool?.end();
  }

  /**
   * Several single statements (each its own implicit transaction, as `once`) on one connection,
   * taken from the pool once: a request that needs two statements waits for a connection once, not
   * twice (under load the second wait is behind every request queued meanwhile). `work` must not
   * take another connection (no `run` inside): it would hold one while waiting for a second.
   */
  async onOneConnection<T>(work: (db: OneConnection) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect(); // so the manager's statements can be prepared (`executePrepared`)
      return await work({
        manager: runner.manager,
        async once<R = Record<string, unknown>>(
          sql: string,
          params: unknown[] = [],
          name?: string,
        ) {
          if (name !== undefined) {
            const client = (await runner.connect()) as PreparedClient;
            const result = await client.query({ name, text: sql, values: params });
            return { rows: result.rows as R[], affected: result.rowCount ?? result.rows.length };
          }
          const result = await runner.query(sql, params, true);
          return {
            rows: result.records as R[],
            affected: result.affected ?? result.records.length,
          };
        },
      });
    } catch (err) {
      throw this.overloadOr(err);
    } finally {
      await runner.release();
    }
  }
}
