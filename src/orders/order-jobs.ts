import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { purgeIdempotencyKeysIn } from '../database/idempotency.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { OrderCommands } from './order-commands.service.js';

export const ORDER_JOBS = {
  expireReservations: 'orders.expire-reservations',
  completeDelivered: 'orders.complete-delivered',
  purgeIdempotencyKeys: 'orders.purge-idempotency-keys',
} as const;

/** Idempotency keys are kept this long (a client retrying later than that gets a new effect). */
export const IDEMPOTENCY_KEY_RETENTION_DAYS = 30;

/**
 * The orders' background work on pg-boss schedules:
 * - every minute, unpaid orders past their reservation deadline expire: their sub-orders are
 *   cancelled by the system and the reserved stock released (database time; a reservation outlives
 *   its deadline by at most the schedule's minute, and a payment confirmed before the sweep counts);
 * - every minute, sub-orders delivered more than ORDER_AUTO_COMPLETE_HOURS ago with no return or
 *   dispute complete;
 * - daily, idempotency keys older than the retention are deleted.
 */
@Injectable()
export class OrderJobs implements OnModuleInit {
  constructor(
    private readonly jobs: JobQueue,
    private readonly commands: OrderCommands,
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: ORDER_JOBS.expireReservations,
      cron: '* * * * *',
      handler: () => this.commands.expireReservations(),
    });
    this.jobs.define({
      name: ORDER_JOBS.completeDelivered,
      cron: '* * * * *',
      handler: () => this.commands.completeDelivered(this.config.orders.autoCompleteSeconds),
    });
    this.jobs.define({
      name: ORDER_JOBS.purgeIdempotencyKeys,
      cron: '17 3 * * *',
      handler: () => this.purgeIdempotencyKeys(),
    });
  }

  async purgeIdempotencyKeys(): Promise<number> {
    return this.transactions.run((tx) =>
      purgeIdempotencyKeysIn(tx, IDEMPOTENCY_KEY_RETENTION_DAYS),
    );
  }
}
