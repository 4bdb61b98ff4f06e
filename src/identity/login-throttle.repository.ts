import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ThrottleRecord } from './domain/login-throttle.js';

/** Failed sign-in counters in PostgreSQL, so every instance sees the same lockouts. */
@Injectable()
export class LoginThrottleRepository {
  async get(tx: EntityManager, keys: string[], lock = false): Promise<Map<string, ThrottleRecord>> {
    const rows = (await tx.query(
      `SELECT key, failures, first_failure_at, last_failure_at, locked_until FROM login_throttle
        WHERE key = ANY($1) ORDER BY key ${lock ? 'FOR UPDATE' : ''}`,
      [keys],
    )) as {
      key: string;
      failures: number;
      first_failure_at: Date;
      last_failure_at: Date;
      locked_until: Date | null;
    }[];
    return new Map(
      rows.map((r) => [
        r.key,
        {
          failures: r.failures,
          firstFailureAt: r.first_failure_at,
          lastFailureAt: r.last_failure_at,
          lockedUntil: r.locked_until,
        },
      ]),
    );
  }

  async put(tx: EntityManager, key: string, r: ThrottleRecord): Promise<void> {
    await tx.query(
      `INSERT INTO login_throttle (key, failures, first_failure_at, last_failure_at, locked_until) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (key) DO UPDATE SET failures = EXCLUDED.failures, first_failure_at = EXCLUDED.first_failure_at,
         last_failure_at = EXCLUDED.last_failure_at, locked_until = EXCLUDED.locked_until`,
      [key, r.failures, r.firstFailureAt, r.lastFailureAt, r.lockedUntil],
    );
  }

  async clear(tx: EntityManager, key: string): Promise<void> {
    await tx.query(`DELETE FROM login_throttle WHERE key = $1`, [key]);
  }
}
