import { Query } from '@nestjs/cqrs';

export interface Readiness {
  ready: boolean;
  checks: {
    database: 'up' | 'down';
    migrations: 'current' | 'pending' | 'unknown';
    jobs: 'up' | 'down';
  };
}

export class GetReadinessQuery extends Query<Readiness> {}
