import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TransactionRunner } from '../database/transaction.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { purgeFixes } from './technician-store.js';

export const TECHNICIAN_JOBS = {
  purgeLocationHistory: 'technicians.purge-location-history',
} as const;

/**
 * Daily, location fixes received more than TECHNICIAN_LOCATION_HISTORY_DAYS (30) days ago are
 * deleted (the history table refuses every other change).
 */
@Injectable()
export class TechnicianJobs implements OnModuleInit {
  constructor(
    private readonly jobs: JobQueue,
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: TECHNICIAN_JOBS.purgeLocationHistory,
      cron: '41 2 * * *',
      handler: () => this.purgeLocationHistory(),
    });
  }

  /** How many fixes were purged. */
  async purgeLocationHistory(): Promise<number> {
    return this.transactions.run((tx) => purgeFixes(tx, this.config.technicians.historyDays));
  }
}
