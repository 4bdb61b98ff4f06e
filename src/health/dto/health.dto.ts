export class LiveDto {
  status!: 'ok';
}

export class ReadinessChecksDto {
  /** Whether the application's database connection answers. */
  database!: 'up' | 'down';
  /** Whether every migration this build knows has been applied. */
  migrations!: 'current' | 'pending' | 'unknown';
  /** Whether the job queue (pg-boss) runs; it retries starting until migrations have created its schema. */
  jobs!: 'up' | 'down';
}

export class ReadyDto {
  status!: 'ready';
  checks!: ReadinessChecksDto;
}
