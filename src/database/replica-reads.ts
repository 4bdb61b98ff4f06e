import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../observability/metrics.service.js';
import { dataSourceOptions } from './data-source-options.js';
import { sqlStateOf } from './sql.js';
import { TransactionRunner } from './transaction.js';

/** The replica's replay lag is measured again after this long (per process). */
const LAG_CHECK_MS = 1000;
/** After the replica failed, it is not tried again for this long. */
const RETRY_AFTER_MS = 5000;
const REPLICA_POOL_MAX = 5;

/** Why a read went where it went (`db_replica_reads_total{served_by, reason}`). */
type Route =
  | { on: 'replica'; reason: 'fresh' }
  | { on: 'primary'; reason: 'no_replica' | 'lagging' | 'behind_horizon' | 'unreachable' };

/**
 * Reads that tolerate staleness (the ledger's read side) go to the streaming replica
 * (`DATABASE_REPLICA_URL`) while its replay lag is within `DATABASE_REPLICA_MAX_LAG_MS`, else to the
 * primary; writes and reads of one's own writes never come here. The lag is measured at most once a
 * second per process: 0 when the replica has replayed the primary's current WAL position, else the
 * time since the last transaction it replayed. A read that must see everything committed before a
 * point (an export's horizon) passes that point's WAL position, and goes to the primary unless the
 * replica has replayed it. A replica that cannot be reached, or cancels a read for a conflict with
 * recovery, sends the read to the primary and is left alone for 5 s. Each read is one REPEATABLE
 * READ, READ ONLY transaction, wherever it runs; every routing decision is counted.
 */
@Injectable()
export class ReplicaReads implements OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaReads.name);
  private readonly reads: Counter<'served_by' | 'reason'>;
  private readonly lagGauge: Gauge;
  private replica: DataSource | undefined;
  private opening: Promise<DataSource> | undefined;
  private downUntil = 0;
  private lag: { measuredAt: number; ms: number } | undefined;
  private measuring: Promise<number> | undefined;

  constructor(
    private readonly primary: DataSource,
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.reads = new Counter({
      name: 'db_replica_reads_total',
      help: 'Reads that tolerate staleness, by where they ran and why (a primary read past the lag bound is a fallback)',
      labelNames: ['served_by', 'reason'] as const,
      registers: [metrics.registry],
    });
    this.lagGauge = new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'The replica’s replay lag when last measured (0: it had replayed the primary’s WAL)',
      registers: [metrics.registry],
    });
  }

  /** `work` in one REPEATABLE READ, READ ONLY transaction, on the replica when it is fresh enough. */
  async read<T>(
    work: (tx: EntityManager) => Promise<T>,
    options: { replayedLsn?: string } = {},
  ): Promise<T> {
    const route = await this.route(options.replayedLsn);
    if (route.on === 'replica') {
      try {
        const result = await this.replica!.transaction('REPEATABLE READ', async (tx) => {
          await tx.query('SET TRANSACTION READ ONLY');
          return work(tx);
        });
        this.count(route);
        return result;
      } catch (err) {
        if (!unavailable(err)) throw err;
        this.markDown(err);
        return this.onPrimary(work, 'unreachable');
      }
    }
    return this.onPrimary(work, route.reason);
  }

  /** The primary's WAL insert position now: pass it as `replayedLsn` to see everything before it. */
  async primaryLsn(tx: EntityManager): Promise<string> {
    const rows: { lsn: string }[] = await tx.query(
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
    );
    return rows[0]!.lsn;
  }

  async onApplicationShutdown(): Promise<void> {
    const replica = this.replica ?? (await this.opening?.catch(() => undefined));
    if (replica?.isInitialized) await replica.destroy();
  }

  private onPrimary<T>(
    work: (tx: EntityManager) => Promise<T>,
    reason: Exclude<Route, { on: 'replica' }>['reason'],
  ): Promise<T> {
    this.count({ on: 'primary', reason });
    return this.transactions.run(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      return work(tx);
    }, 'REPEATABLE READ');
  }

  private count(route: Route): void {
    this.reads.inc({ served_by: route.on, reason: route.reason });
  }

  private async route(replayedLsn: string | undefined): Promise<Route> {
    const url = this.config.database.replicaUrl;
    if (url === null) return { on: 'primary', reason: 'no_replica' };
    if (Date.now() < this.downUntil) return { on: 'primary', reason: 'unreachable' };
    try {
      const replica = await this.open(url);
      if ((await this.lagMs(replica)) > this.config.database.replicaMaxLagMs)
        return { on: 'primary', reason: 'lagging' };
      if (replayedLsn !== undefined) {
        const rows: { replayed: boolean | null }[] = await replica.query(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed',
          [replayedLsn],
        );
        // null: not in recovery (a promoted replica has everything it was sent).
        if (rows[0]!.replayed === false) return { on: 'primary', reason: 'behind_horizon' };
      }
      return { on: 'replica', reason: 'fresh' };
    } catch (err) {
      if (!unavailable(err)) throw err;
      this.markDown(err);
      return { on: 'primary', reason: 'unreachable' };
    }
  }

  private open(url: string): Promise<DataSource> {
    if (this.replica) return Promise.resolve(this.replica);
    this.opening ??= new DataSource(
      dataSourceOptions(this.config, 'app', {
        url,
        applicationName: 'fixbazaar-replica',
        poolSize: REPLICA_POOL_MAX,
      }),
    )
      .initialize()
      .then(
        (ds) => (this.replica = ds),
        (err: unknown) => {
          this.opening = undefined;
          throw err;
        },
      );
    return this.opening;
  }

  /** The replay lag in ms, measured at most every LAG_CHECK_MS (concurrent reads share one measurement). */
  private async lagMs(replica: DataSource): Promise<number> {
    if (this.lag && Date.now() - this.lag.measuredAt < LAG_CHECK_MS) return this.lag.ms;
    this.measuring ??= (async () => {
      try {
        const [{ lsn }] = (await this.primary.query(
          'SELECT pg_current_wal_insert_lsn()::text AS lsn',
        )) as { lsn: string }[];
        const [r] = (await replica.query(
          `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up,
                  (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8
                    AS behind_ms`,
          [lsn],
        )) as { caught_up: boolean | null; behind_ms: number | null }[];
        // caught_up null: not in recovery (a promoted replica is not behind anything).
        const ms = r!.caught_up !== false ? 0 : (r!.behind_ms ?? Number.POSITIVE_INFINITY);
        this.lag = { measuredAt: Date.now(), ms };
        this.lagGauge.set(Number.isFinite(ms) ? ms / 1000 : -1);
        return ms;
      } finally {
        this.measuring = undefined;
      }
    })();
    return this.measuring;
  }

  private markDown(err: unknown): void {
    this.downUntil = Date.now() + RETRY_AFTER_MS;
    this.lag = undefined;
    this.logger.warn(
      `replica unavailable, reading the primary for ${RETRY_AFTER_MS} ms: ${(err as Error).message}`,
    );
  }
}

/** Node's socket errors, and PostgreSQL's for a connection lost or a read cancelled by recovery. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
function unavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && SOCKET_ERRORS.has(e.code)) return true;
  const state = sqlStateOf(err);
  if (state !== undefined)
    return state.startsWith('08') || ['57P01', '57P02', '57P03', '40001'].includes(state);
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect/.test(message);
}
