import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import { countFailedAttempt } from './failed-attempts.js';

export type ChallengeKind = 'verify' | 'enrol';

/** The only code that reads and writes `user_totp`, `mfa_recovery_codes` and `mfa_challenges`. */
@Injectable()
export class MfaRepository {
  async totp(
    tx: EntityManager,
    userId: string,
    lock = false,
  ): Promise<
    { secretCiphertext: string; confirmed: boolean; lastUsedStep: number | null } | undefined
  > {
    const rows = (await tx.query(
      `SELECT secret_ciphertext, confirmed_at IS NOT NULL AS confirmed, last_used_step
         FROM user_totp WHERE user_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [userId],
    )) as { secret_ciphertext: string; confirmed: boolean; last_used_step: string | null }[];
    const r = rows[0];
    return (
      r && {
        secretCiphertext: r.secret_ciphertext,
        confirmed: r.confirmed,
        lastUsedStep: r.last_used_step === null ? null : Number(r.last_used_step),
      }
    );
  }

  /** A new, unconfirmed secret; refused (false) when a confirmed one exists. */
  async putPending(tx: EntityManager, userId: string, secretCiphertext: string): Promise<boolean> {
    const { affected } = await execute(
      tx,
      `INSERT INTO user_totp (user_id, secret_ciphertext) VALUES ($1,$2)
       ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = EXCLUDED.secret_ciphertext, created_at = now()
        WHERE user_totp.confirmed_at IS NULL`,
      [userId, secretCiphertext],
    );
    return affected > 0;
  }

  /** Confirmed (first use) or used again: remembers the time step, so the same code is not accepted twice. */
  async useStep(tx: EntityManager, userId: string, step: number): Promise<void> {
    await tx.query(
      `UPDATE user_totp SET last_used_step = $2, confirmed_at = COALESCE(confirmed_at, now()) WHERE user_id = $1`,
      [userId, step],
    );
  }

  async replaceRecoveryCodes(tx: EntityManager, userId: string, hashes: string[]): Promise<void> {
    await tx.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
    await tx.query(
      `INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`,
      [userId, hashes],
    );
  }

  /** Uses the unused recovery code with `hash`; false if there is none. */
  async useRecoveryCode(tx: EntityManager, userId: string, hash: string): Promise<boolean> {
    const { affected } = await execute(
      tx,
      `UPDATE mfa_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
      [userId, hash],
    );
    return affected > 0;
  }

  async recoveryCodesLeft(tx: EntityManager, userId: string): Promise<number> {
    const [row] = (await tx.query(
      `SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    )) as { n: number }[];
    return row!.n;
  }

  /** Removes the enrolment (secret and recovery codes); false if there was none. */
  async remove(tx: EntityManager, userId: string): Promise<boolean> {
    await tx.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
    const { affected } = await execute(tx, `DELETE FROM user_totp WHERE user_id = $1`, [userId]);
    return affected > 0;
  }

  async createChallenge(
    tx: EntityManager,
    userId: string,
    kind: ChallengeKind,
    ttlSeconds: number,
  ): Promise<string> {
    const [row] = (await tx.query(
      `INSERT INTO mfa_challenges (user_id, kind, expires_at) VALUES ($1,$2, now() + make_interval(secs => $3)) RETURNING id`,
      [userId, kind, ttlSeconds],
    )) as { id: string }[];
    return row!.id;
  }

  /** The open (unused, unexpired) challenge, locked. */
  async lockOpenChallenge(
    tx: EntityManager,
    id: string,
    userId: string,
  ): Promise<{ kind: ChallengeKind; attempts: number } | undefined> {
    const rows = (await tx.query(
      `SELECT kind, attempts FROM mfa_challenges
        WHERE id = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > now() FOR UPDATE`,
      [id, userId],
    )) as { kind: ChallengeKind; attempts: number }[];
    return rows[0];
  }

  /** Wrong second-factor codes of the user over the last `seconds`, across challenges. */
  async recentFailures(tx: EntityManager, userId: string, seconds: number): Promise<number> {
    const [row] = (await tx.query(
      `SELECT COALESCE(sum(attempts), 0)::int AS n FROM mfa_challenges
        WHERE user_id = $1 AND created_at > now() - make_interval(secs => $2)`,
      [userId, seconds],
    )) as { n: number }[];
    return row!.n;
  }

  /** A wrong code; the challenge ends (used) at `maxAttempts`. */
  failChallenge(tx: EntityManager, id: string, maxAttempts: number): Promise<void> {
    return countFailedAttempt(tx, 'mfa_challenges', id, maxAttempts);
  }

  async useChallenge(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`UPDATE mfa_challenges SET used_at = now() WHERE id = $1`, [id]);
  }
}
