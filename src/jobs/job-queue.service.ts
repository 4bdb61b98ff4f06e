import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type Db, type JobResult, PgBoss, type Queue } from 'pg-boss';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { scrubText } from '../observability/error-redaction.js';

/** A queue, its handler and (optionally) the cron schedule that feeds it. */
export interface JobDefinition<T extends object = object> {
  readonly name: string;
  /** Runs one job; throwing fails it (retried per the queue's retryLimit). */
  readonly handler: (data: T) => Promise<unknown>;
  /** Cron (UTC); pg-boss fires schedules at most once a minute. */
  readonly cron?: string;
  readonly queue?: Omit<Queue, 'name'>;
}

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists only if the transaction commits. */
  readonly tx?: EntityManager;
  readonly singletonKey?: string;
  readonly startAfter?: Date | number;
}

/** Jobs a worker fetches at once (then runs one after another). */
const JOB_BATCH = 10;

/** How long to wait before trying to start pg-boss again (e.g. until migrations have run). */
const RETRY_START_MS = 15_000;

/** pg-boss's database adapter over the caller's transaction (its query runner). */
function transactionDb(tx: EntityManager): Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (!tx.queryRunner)
        throw new Error('JobQueue.send({ tx }) needs a transactional EntityManager');
      const result = await tx.queryRunner.query(text, values, true);
      return { rows: result.records as unknown[] };
    },
  };
}

/**
 * Durable background work on pg-boss (schema `pgboss`, created by migration; started here with
 * `migrate: false`). Modules declare their queues in `onModuleInit` with `define`; at bootstrap the
 * queues are created and, when `JOBS_WORKERS` is on, their workers and schedules started. `send`
 * enqueues, transactionally when given the caller's transaction.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly boss: PgBoss;
  private readonly definitions = new Map<string, JobDefinition>();
  private started = false;
  private failure: string | undefined;
  private stopping = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const workers = config.jobs.workers;
    this.boss = new PgBoss({
      connectionString: config.database.url,
      schema: 'pgboss',
      migrate: false,
      supervise: workers,
      schedule: workers,
      registerInstance: false,
      // Queues created with `notify: true` wake their workers on insert (one listening connection).
      useListenNotify: workers,
      max: config.jobs.poolMax,
      superviseIntervalSeconds: config.jobs.superviseSeconds,
      monitorIntervalSeconds: config.jobs.superviseSeconds,
      application_name: 'fixbazaar-jobs',
    });
    this.boss.on('error', (err: Error) => this.logger.error({ err }, 'job queue error'));
  }

  /** Declares a queue; call from a module's onModuleInit (before the application bootstraps). */
  define<T extends object>(definition: JobDefinition<T>): void {
    if (this.started) throw new Error(`job ${definition.name} defined after start`);
    if (this.definitions.has(definition.name))
      throw new Error(`job ${definition.name} defined twice`);
    this.definitions.set(definition.name, definition as unknown as JobDefinition);
  }

  /** `up` once pg-boss runs; `down` (with the reason) until then — readiness reports it. */
  status(): { state: 'up' | 'down'; reason?: string } {
    return this.started ? { state: 'up' } : { state: 'down', reason: this.failure ?? 'starting' };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  private async start(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.boss.start();
    } catch (err) {
      // E.g. migrations not run yet: the app still starts, reports not ready, and tries again.
      this.failure = (err as Error).message;
      this.logger.error(
        `job queue not started (retrying in ${RETRY_START_MS / 1000} s): ${this.failure}`,
      );
      this.retry = setTimeout(() => void this.start(), RETRY_START_MS);
      this.retry.unref();
      return;
    }
    this.started = true;
    this.failure = undefined;
    for (const d of this.definitions.values()) {
      // The heartbeat: a job whose worker died mid-run (SIGKILL, OOM, a lost node) is retried once
      // its beat is JOBS_HEARTBEAT_SECONDS stale, not after the 15-minute expiry.
      const options = {
        retryLimit: 3,
        retryDelay: 5,
        heartbeatSeconds: this.config.jobs.heartbeatSeconds,
        ...d.queue,
      };
      await this.boss.createQueue(d.name, options);
      // An existing queue keeps what it was created with: bring its options (all but the policy,
      // which cannot change) up to the code's.
      const { policy: _policy, ...changeable } = options;
      await this.boss.updateQueue(d.name, changeable);
    }
    if (!this.config.jobs.workers) return;
    for (const d of this.definitions.values()) {
      // Up to JOB_BATCH jobs per fetch, run one after another, each settled on its own (a failure
      // retries that job only); while fetches come back full the worker fetches again at once, so a
      // backlog drains at the handlers' pace instead of one job per polling interval.
      await this.boss.work<object>(
        d.name,
        {
          pollingIntervalSeconds: 1,
          notifyPollingIntervalSeconds: 1,
          batchSize: JOB_BATCH,
          burstWhenBatchFull: true,
          perJobResults: true,
        },
        async (jobs) => {
          const results: JobResult[] = [];
          for (const job of jobs) {
            try {
              await d.handler(job.data);
              results.push({ id: job.id, status: 'completed' });
            } catch (err) {
              // The error through the log's serializer (no query parameters, personal data
              // scrubbed); the job's stored output, shown by queue tooling, scrubbed alike.
              this.logger.warn({ err, job: d.name, jobId: job.id }, 'job failed');
              const message = scrubText(err instanceof Error ? err.message : String(err));
              results.push({ id: job.id, status: 'failed', output: { message } });
            }
          }
          return results;
        },
      );
      if (d.cron !== undefined) await this.boss.schedule(d.name, d.cron);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.started) await this.boss.stop({ graceful: true, timeout: 5000 });
    this.started = false;
  }

  /** Enqueues a job and returns its id (null when a singleton policy refused it). */
  async send(name: string, data: object, options: SendOptions = {}): Promise<string | null> {
    if (!this.definitions.has(name)) throw new Error(`unknown job ${name}`);
    if (!this.started) throw new Error(`job queue not started: ${this.failure ?? 'starting'}`);
    return this.boss.send(name, data, {
      ...(options.tx ? { db: transactionDb(options.tx) } : {}),
      ...(options.singletonKey !== undefined ? { singletonKey: options.singletonKey } : {}),
      ...(options.startAfter !== undefined ? { startAfter: options.startAfter } : {}),
    });
  }
}
