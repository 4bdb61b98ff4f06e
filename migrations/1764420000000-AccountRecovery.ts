import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Password reset, phone verification and staff two-factor sign-in (src/identity, README "Accounts:
 * reset, phone OTP, 2FA").
 *
 * - `users.phone_verified_at`: when the account proved it receives SMS at `phone` (by a code). Existing
 *   phones stay unverified: their holders verify before their next checkout.
 * - `one_time_codes`: 6-digit codes sent by e-mail or SMS, stored only as an HMAC; 10-minute expiry,
 *   single use (`used_at`), a bounded number of wrong attempts (`attempts`).
 * - `user_totp`: a staff member's TOTP secret (RFC 6238), encrypted by the application; confirmed by a
 *   first code; `last_used_step` refuses a code's replay.
 * - `mfa_recovery_codes`: ten single-use codes per enrolment, stored as an HMAC.
 * - `mfa_challenges`: the short-lived step between password and second factor, with its attempts.
 *
 * Staff sessions opened before this change had no second factor: they end here, so every staff
 * member signs in again (and enrols).
 */
export class AccountRecovery1764420000000 implements MigrationInterface {
  name = 'AccountRecovery1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN phone_verified_at timestamptz`);
    await q.query(`
      CREATE TABLE one_time_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        purpose text NOT NULL CHECK (purpose IN ('password_reset','phone_verification')),
        channel text NOT NULL CHECK (channel IN ('email','sms')),
        code_hash text NOT NULL,
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
        used_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX one_time_codes_user_idx ON one_time_codes (user_id, purpose, created_at DESC)`,
    );
    await q.query(`
      CREATE TABLE user_totp (
        user_id uuid PRIMARY KEY REFERENCES users(id),
        secret_ciphertext text NOT NULL,
        confirmed_at timestamptz,
        last_used_step bigint,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE mfa_recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        code_hash text NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, code_hash)
      )`);
    await q.query(`
      CREATE TABLE mfa_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        kind text NOT NULL CHECK (kind IN ('verify','enrol')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
        used_at timestamptz
      )`);
    await q.query(`CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id, created_at)`);
    await q.query(`
      UPDATE sessions SET revoked_at = now(), revoked_reason = 'mfa_required'
       WHERE revoked_at IS NULL
         AND user_id IN (SELECT id FROM users WHERE role IN ('admin','finance','ops_leader','compliance'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mfa_challenges, mfa_recovery_codes, user_totp, one_time_codes`);
    await q.query(`ALTER TABLE users DROP COLUMN phone_verified_at`);
  }
}
