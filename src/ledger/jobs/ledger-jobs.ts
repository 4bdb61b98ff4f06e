import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { LedgerAnchorService } from '../integrity/ledger-anchor.service.js';
import { LedgerIntegrityService } from '../integrity/ledger-integrity.service.js';
import { LedgerModule } from '../ledger.module.js';
import { LedgerService } from '../persistence/ledger.service.js';

export const LEDGER_JOBS = {
  expireHolds: 'ledger.expire-holds',
  rollUp: 'ledger.roll-up',
  seal: 'ledger.seal',
} as const;

/** Holds expired per pass, deltas folded per roll-up transaction. */
const EXPIRY_BATCH = 100;
const ROLL_UP_BATCH = 50_000;

/**
 * The ledger's background work, every minute on pg-boss schedules:
 * - expire holds whose timeout has passed on database time (a post or void after the deadline is
 *   already refused with `pending_expired`; the job releases the held amounts, exactly once);
 * - roll appended balance deltas of accounts without a floor up into their rows;
 * - seal the entries written since the last seal (ledger-spec/tamper-evidence.md) and anchor the
 *   newest seal outside PostgreSQL.
 */
@Injectable()
export class LedgerJobs implements OnModuleInit {
  private readonly logger = new Logger(LedgerJobs.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly ledger: LedgerService,
    private readonly integrity: LedgerIntegrityService,
    private readonly anchors: LedgerAnchorService,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: LEDGER_JOBS.expireHolds,
      cron: '* * * * *',
      handler: () => this.expireHolds(),
    });
    this.jobs.define({ name: LEDGER_JOBS.rollUp, cron: '* * * * *', handler: () => this.rollUp() });
    this.jobs.define({
      name: LEDGER_JOBS.seal,
      cron: '* * * * *',
      handler: () => this.seal(),
    });
  }

  /** Seals what is pending and anchors the newest seal when there is a new one. */
  async seal(): Promise<void> {
    const seals = await this.integrity.sealAll();
    if (seals.length > 0) await this.anchors.anchor();
  }

  /** Expires every hold past its deadline; returns how many this pass expired. */
  async expireHolds(): Promise<number> {
    let expired = 0;
    for (;;) {
      const keys = await this.ledger.expiredPendingKeys(EXPIRY_BATCH);
      for (const key of keys) {
        const r = await this.ledger.expirePending(key, {
          eventType: 'hold_expired',
          reference: `entry:${key}`,
          actor: 'system:ledger-expiry',
        });
        // Another resolution may win the race (a post just before the deadline): that is fine.
        if (r.code === 'ok' && r.replayed !== true) expired += 1;
        else if (r.code !== 'ok' && r.code !== 'pending_already_resolved')
          this.logger.warn(`hold ${key} not expired: ${r.code}`);
      }
      if (keys.length < EXPIRY_BATCH) return expired;
    }
  }

  /** Folds every appended balance delta; returns how many. */
  async rollUp(): Promise<number> {
    let folded = 0;
    for (;;) {
      const n = await this.ledger.rollUpBalanceDeltas(ROLL_UP_BATCH);
      folded += n;
      if (n < ROLL_UP_BATCH) return folded;
    }
  }
}

/** The ledger's jobs; imported by the application (not by tools that only need LedgerService). */
@Module({ imports: [LedgerModule], providers: [LedgerJobs], exports: [LedgerJobs] })
export class LedgerJobsModule {}
