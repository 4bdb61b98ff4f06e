import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { AuditAnchorService } from '../../audit/audit-anchor.service.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { LedgerAnchorService } from '../integrity/ledger-anchor.service.js';
import { LedgerModule } from '../ledger.module.js';

export const ANCHOR_JOB = 'integrity.anchor';

/**
 * The ledger depends on the audit log, so the job that anchors both chains lives here.
 * Every 5 minutes (pg-boss schedule): anchors the audit chain's signed head and the ledger's newest
 * seal outside PostgreSQL (the ledger is also anchored after each sealing). A chain that no longer
 * holds its newest anchor is not anchored again: the job fails, naming the anchor, until resolved.
 */
@Injectable()
export class AnchorJobs implements OnModuleInit {
  constructor(
    private readonly jobs: JobQueue,
    private readonly audit: AuditAnchorService,
    private readonly ledger: LedgerAnchorService,
  ) {}

  onModuleInit(): void {
    this.jobs.define({ name: ANCHOR_JOB, cron: '*/5 * * * *', handler: () => this.anchor() });
  }

  /** Anchors both chains (each is tried even when the other fails); the keys written, or null. */
  async anchor(): Promise<{ audit: string | null; ledger: string | null }> {
    const [audit, ledger] = await Promise.allSettled([this.audit.anchor(), this.ledger.anchor()]);
    const failed = [audit, ledger].filter((r) => r.status === 'rejected');
    if (failed.length > 0) throw (failed[0] as PromiseRejectedResult).reason;
    return {
      audit: (audit as PromiseFulfilledResult<string | null>).value,
      ledger: (ledger as PromiseFulfilledResult<string | null>).value,
    };
  }
}

@Module({ imports: [LedgerModule], providers: [AnchorJobs], exports: [AnchorJobs] })
export class AnchorJobsModule {}
