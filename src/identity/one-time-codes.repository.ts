import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { countFailedAttempt } from './failed-attempts.js';

export type CodePurpose = 'password_reset' | 'phone_verification';

/** The only code that reads and writes `one_time_codes`. */
@Injectable()
export class OneTimeCodesRepository {
  /** Whether a code of `purpose` was issued to the user within the last `seconds`. */
  async issuedWithin(
    tx: EntityManager,
    userId: string,
    purpose: CodePurpose,
    seconds: number,
  ): Promise<boolean> {
    const rows = (await tx.query(
      `SELECT 1 FROM one_time_codes
        WHERE user_id = $1 AND purpose = $2 AND created_at > now() - make_interval(secs => $3)`,
      [userId, purpose, seconds],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Ends the user's open codes of `purpose` (a new one replaces them), then stores the new one. */
  async replace(
    tx: EntityManager,
    c: {
      id: string;
      userId: string;
      purpose: CodePurpose;
      channel: 'email' | 'sms';
      codeHash: string;
      ttlSeconds: number;
    },
  ): Promise<void> {
    await tx.query(
      `UPDATE one_time_codes SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
      [c.userId, c.purpose],
    );
    await tx.query(
      `INSERT INTO one_time_codes (id, user_id, purpose, channel, code_hash, expires_at)
       VALUES ($1,$2,$3,$4,$5, now() + make_interval(secs => $6))`,
      [c.id, c.userId, c.purpose, c.channel, c.codeHash, c.ttlSeconds],
    );
  }

  /** The user's open, unexpired code of `purpose`, locked. */
  async lockOpen(
    tx: EntityManager,
    userId: string,
    purpose: CodePurpose,
  ): Promise<{ id: string; codeHash: string; attempts: number } | undefined> {
    const rows = (await tx.query(
      `SELECT id, code_hash, attempts FROM one_time_codes
        WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
      [userId, purpose],
    )) as { id: string; code_hash: string; attempts: number }[];
    const r = rows[0];
    return r && { id: r.id, codeHash: r.code_hash, attempts: r.attempts };
  }

  /** A wrong attempt; the code ends (used) at `maxAttempts`. */
  failAttempt(tx: EntityManager, id: string, maxAttempts: number): Promise<void> {
    return countFailedAttempt(tx, 'one_time_codes', id, maxAttempts);
  }

  async use(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`UPDATE one_time_codes SET used_at = now() WHERE id = $1`, [id]);
  }
}
