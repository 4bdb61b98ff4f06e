import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DatabaseStatusService } from '../../database/database-status.service.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { GetReadinessQuery, type Readiness } from './get-readiness.query.js';

/**
 * Ready = the database answers, every migration this build knows has been applied, and the job
 * queue runs (hold expiry, roll-up and sealing depend on it).
 */
@QueryHandler(GetReadinessQuery)
export class GetReadinessHandler implements IQueryHandler<GetReadinessQuery, Readiness> {
  constructor(
    private readonly db: DatabaseStatusService,
    private readonly jobs: JobQueue,
  ) {}

  async execute(): Promise<Readiness> {
    const s = await this.db.status();
    const migrations = !s.reachable
      ? 'unknown'
      : s.migrations.pending.length
        ? 'pending'
        : 'current';
    const jobs = this.jobs.status().state;
    return {
      ready: s.reachable && migrations === 'current' && jobs === 'up',
      checks: { database: s.reachable ? 'up' : 'down', migrations, jobs },
    };
  }
}
