import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import type { SessionDto } from './dto/account.dto.js';
import { SessionPrincipals } from './session-principals.js';

interface SessionRow {
  id: string;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
  ip: string | null;
  user_agent: string | null;
}

/** Sessions (one per sign-in) and their refresh-token family. */
@Injectable()
export class SessionsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly principals: SessionPrincipals,
  ) {}

  async create(
    tx: EntityManager,
    s: {
      userId: string;
      fingerprintHash: string | null;
      ip: string;
      userAgent: string | null;
      ttlDays: number;
      tokenHash: string;
    },
  ): Promise<string> {
    const [row] = (await tx.query(
      `INSERT INTO sessions (user_id, device_fingerprint_hash, ip, user_agent, expires_at)
       VALUES ($1,$2,$3,$4, now() + make_interval(days => $5)) RETURNING id`,
      [s.userId, s.fingerprintHash, s.ip, s.userAgent, s.ttlDays],
    )) as { id: string }[];
    await tx.query(`INSERT INTO refresh_tokens (session_id, token_hash) VALUES ($1,$2)`, [
      row!.id,
      s.tokenHash,
    ]);
    return row!.id;
  }

  /** The refresh token and its session, locked, so concurrent refreshes of one token serialize. */
  async lockRefreshToken(
    tx: EntityManager,
    tokenHash: string,
  ): Promise<
    | {
        tokenId: string;
        rotatedAt: Date | null;
        sessionId: string;
        userId: string;
        revokedAt: Date | null;
        expired: boolean;
      }
    | undefined
  > {
    const rows = (await tx.query(
      `SELECT rt.id AS token_id, rt.rotated_at, s.id AS session_id, s.user_id, s.revoked_at, s.expires_at <= now() AS expired
         FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
        WHERE rt.token_hash = $1
        FOR UPDATE OF rt, s`,
      [tokenHash],
    )) as {
      token_id: string;
      rotated_at: Date | null;
      session_id: string;
      user_id: string;
      revoked_at: Date | null;
      expired: boolean;
    }[];
    const r = rows[0];
    return (
      r && {
        tokenId: r.token_id,
        rotatedAt: r.rotated_at,
        sessionId: r.session_id,
        userId: r.user_id,
        revokedAt: r.revoked_at,
        expired: r.expired,
      }
    );
  }

  async rotate(
    tx: EntityManager,
    tokenId: string,
    sessionId: string,
    newHash: string,
  ): Promise<void> {
    await tx.query(`UPDATE refresh_tokens SET rotated_at = now() WHERE id = $1`, [tokenId]);
    await tx.query(`INSERT INTO refresh_tokens (session_id, token_hash) VALUES ($1,$2)`, [
      sessionId,
      newHash,
    ]);
    await tx.query(`UPDATE sessions SET last_used_at = now() WHERE id = $1`, [sessionId]);
  }

  /** Revokes one session of a user; returns whether it existed and was active. */
  async revoke(
    tx: EntityManager,
    userId: string,
    sessionId: string,
    reason: string,
  ): Promise<boolean> {
    this.principals.changed(userId);
    const { affected } = await execute(
      tx,
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [sessionId, userId, reason],
    );
    return affected > 0;
  }

  /** Revokes every active session of a user except `keep`; returns how many. */
  async revokeAll(
    tx: EntityManager,
    userId: string,
    reason: string,
    keep?: string,
  ): Promise<number> {
    this.principals.changed(userId);
    const { affected } = await execute(
      tx,
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3)`,
      [userId, reason, keep ?? null],
    );
    return affected;
  }

  async exists(userId: string, sessionId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2`,
      [sessionId, userId],
    )) as unknown[];
    return rows.length > 0;
  }

  async list(userId: string, currentSessionId: string | null): Promise<SessionDto[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, created_at, last_used_at, expires_at, revoked_at, revoked_reason, host(ip) AS ip, user_agent
         FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 100`,
      [userId],
    )) as SessionRow[];
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at.toISOString(),
      lastUsedAt: r.last_used_at.toISOString(),
      expiresAt: r.expires_at.toISOString(),
      revokedAt: r.revoked_at?.toISOString() ?? null,
      revokedReason: r.revoked_reason,
      ip: r.ip,
      userAgent: r.user_agent,
      current: r.id === currentSessionId,
    }));
  }
}
