import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DatabaseStatusService } from '../../database/database-status.service.js';
import { GetReadinessQuery, type Readiness } from './get-readiness.query.js';

/** Ready = the database answers and every migration this build knows has been applied. */
@QueryHandler(GetReadinessQuery)
export class GetReadinessHandler implements IQueryHandler<GetReadinessQuery, Readiness> {
  constructor(private readonly db: DatabaseStatusService) {}

  async execute(): Promise<Readiness> {
    const s = await this.db.status();
    const migrations = !s.reachable
      ? 'unknown'
      : s.migrations.pending.length
        ? 'pending'
        : 'current';
    return {
      ready: s.reachable && migrations === 'current',
      checks: { database: s.reachable ? 'up' : 'down', migrations },
    };
  }
}
