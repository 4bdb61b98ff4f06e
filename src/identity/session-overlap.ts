/**
 * What the ratings' anti-abuse checks learn of an account's sessions: read through this function,
 * never by joining `sessions` or `users`.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';

export interface SessionOverlap {
  /** When `accountId` was created. */
  readonly accountCreatedAt: Date;
  /** `otherId` used a session from this device (fingerprint hash) within `days`. */
  readonly sameDevice: boolean;
  /** `otherId` used a session signed in from this IP within `days` (false for a null IP). */
  readonly sameIp: boolean;
}

/** How a request of `accountId` (from `ip`, `deviceFingerprint`) overlaps `otherId`'s recent sign-ins. */
export async function sessionOverlapIn(
  tx: EntityManager,
  q: {
    accountId: string;
    otherId: string;
    ip: string | null;
    deviceFingerprint: string | null;
    days: number;
  },
): Promise<SessionOverlap> {
  const { rows } = await execute<{ created_at: Date; same_device: boolean; same_ip: boolean }>(
    tx,
    `SELECT u.created_at,
       EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = $2 AND s.device_fingerprint_hash = $4
                 AND s.last_used_at > now() - make_interval(days => $5)) AS same_device,
       EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = $2 AND s.ip = $3::inet
                 AND s.last_used_at > now() - make_interval(days => $5)) AS same_ip
     FROM users u WHERE u.id = $1`,
    [q.accountId, q.otherId, q.ip, q.deviceFingerprint, q.days],
  );
  const r = rows[0];
  if (r === undefined) throw new Error(`no account ${q.accountId}`);
  return { accountCreatedAt: r.created_at, sameDevice: r.same_device, sameIp: r.same_ip };
}
