import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RequestMeta } from '../common/request-meta.js';
import { canonicalIp } from './domain/canonical-ip.js';
import { GENESIS_HASH, hashAuditEvent, type AuditEventRecord } from './domain/audit-chain.js';

/** Serializes writers of the chain (staff actions are rare; each takes the lock for one insert). */
const AUDIT_CHAIN_LOCK = 0x4642_4155; // 'FBAU'

export interface AuditInput {
  action: string;
  targetType?: string;
  targetId?: string;
  reason?: string;
  before?: unknown;
  after?: unknown;
  override?: boolean;
}

/** Writes audit events into the caller's transaction, so an action and its record commit or roll back together. */
@Injectable()
export class AuditService {
  async record(
    tx: EntityManager,
    meta: RequestMeta | null,
    input: AuditInput,
  ): Promise<AuditEventRecord & { hash: string }> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    // The head is read after the lock, so the caller's transaction must see commits made since it
    // began (READ COMMITTED): a snapshot taken earlier would read a stale head and the append would
    // collide with a concurrent one. Checked in the same statement.
    const [head] = (await tx.query(
      `SELECT current_setting('transaction_isolation') AS isolation, l.seq, l.hash
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1) l ON true`,
    )) as { isolation: string; seq: string | null; hash: string | null }[];
    if (head!.isolation !== 'read committed') {
      throw new Error(
        `audit events are appended in READ COMMITTED transactions, not ${head!.isolation}: record ${input.action} in a transaction of its own`,
      );
    }
    const last = head!.seq === null ? undefined : { seq: head!.seq, hash: head!.hash! };
    const event: AuditEventRecord = {
      seq: last ? Number(last.seq) + 1 : 1,
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      actorId: meta?.principal?.userId ?? null,
      actorRole: meta?.principal?.role ?? 'system',
      action: input.action,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      reason: input.reason ?? null,
      before: normalize(input.before),
      after: normalize(input.after),
      override: input.override ?? false,
      requestId: meta?.requestId ?? null,
      ip: canonicalIp(meta?.ip),
      deviceFingerprint: meta?.deviceFingerprint ?? null,
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const hash = hashAuditEvent(event);
    await tx.query(
      `INSERT INTO audit_events (seq, id, occurred_at, actor_id, actor_role, action, target_type, target_id, reason,
         before, after, override, request_id, ip, device_fingerprint, prev_hash, hash)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [
        event.seq,
        event.id,
        event.occurredAt,
        event.actorId,
        event.actorRole,
        event.action,
        event.targetType,
        event.targetId,
        event.reason,
        event.before === null ? null : JSON.stringify(event.before),
        event.after === null ? null : JSON.stringify(event.after),
        event.override,
        event.requestId,
        event.ip,
        event.deviceFingerprint,
        event.prevHash,
        hash,
      ],
    );
    return { ...event, hash };
  }
}

/** What goes into jsonb must read back identically: plain JSON values only. */
function normalize(value: unknown): unknown {
  return value === undefined || value === null
    ? null
    : (JSON.parse(JSON.stringify(value)) as unknown);
}
