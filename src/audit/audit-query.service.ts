import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AuditChainVerifier,
  GENESIS_HASH,
  type AuditEventRecord,
  type ChainBreak,
} from './domain/audit-chain.js';

/** Search and export criteria; every one is optional and they combine with AND. */
export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive lower bound on `occurred_at`. */
  from?: Date;
  /** Exclusive upper bound on `occurred_at`. */
  to?: Date;
}

/** An event as stored: the hashed fields plus the hash itself. */
export interface StoredAuditEvent extends AuditEventRecord {
  hash: string;
}

export type AuditProblem =
  ChainBreak['problem'] | 'head_mismatch' | 'truncated' | 'anchor_signature';

export type AuditVerification =
  | { intact: true; count: number; head: { count: number; hash: string } }
  | {
      intact: false;
      /** Events that verified before the first bad one. */
      count: number;
      firstBad: {
        seq: number;
        /** Absent when the bad position has no event (`truncated`). */
        eventId: string | null;
        problem: AuditProblem;
        /** For `seq_gap`: the seq that should have come next. */
        expectedSeq?: number;
        detail: string;
      };
    };

const PROBLEM_DETAIL: Record<AuditProblem, string> = {
  hash_mismatch: 'its content does not match its hash (edited after it was written)',
  prev_hash_mismatch:
    'its prev_hash is not the previous event’s hash (an event before it was deleted, reordered or rewritten)',
  seq_gap: 'the sequence skips here (events deleted or reordered)',
  head_mismatch: 'its hash differs from the expected head (the chain was rewritten since)',
  truncated: 'the chain ends before the expected head (events deleted from the end)',
  anchor_signature: 'the anchored head’s signature does not verify',
};

/** Rows fetched per query by the streaming readers: bounded memory whatever the log's size. */
export const AUDIT_BATCH_SIZE = 1000;

/**
 * `occurred_at` with microseconds, so an edit below the millisecond still shows as a hash mismatch
 * (the hashed form has milliseconds; see `occurredAtOf`).
 */
const COLUMNS = `seq, id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS occurred_at,
  actor_id, actor_role, action, target_type, target_id, reason, before, after, override, request_id, ip,
  device_fingerprint, prev_hash, hash`;

interface AuditRow {
  seq: string;
  id: string;
  occurred_at: string;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
  override: boolean;
  request_id: string | null;
  ip: string | null;
  device_fingerprint: string | null;
  prev_hash: string;
  hash: string;
}

/** Reads the audit log: pages for search, keyset batches for export and verification, the chain head. */
@Injectable()
export class AuditQueryService {
  constructor(private readonly dataSource: DataSource) {}

  /** Newest first; `beforeSeq` continues after the last event of the previous page. */
  async search(
    filter: AuditFilter,
    page: { limit: number; beforeSeq?: number },
  ): Promise<{ items: StoredAuditEvent[]; hasMore: boolean }> {
    const params: unknown[] = [];
    const where = whereOf(filter, params);
    if (page.beforeSeq !== undefined) where.push(`seq < ${param(params, page.beforeSeq)}`);
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_events ${sqlWhere(where)}
       ORDER BY seq DESC LIMIT ${param(params, page.limit + 1)}`,
      params,
    )) as AuditRow[];
    return { items: rows.slice(0, page.limit).map(eventOf), hasMore: rows.length > page.limit };
  }

  /**
   * Every matching event in seq order, `batchSize` at a time (keyset: `seq > last`), so neither this
   * process nor the database holds more than one batch; no transaction or connection is held between
   * batches, so a slow consumer blocks nothing. `untilSeq` pins the end (events appended meanwhile are
   * left out).
   */
  async *batches(
    filter: AuditFilter,
    options: { untilSeq?: number; batchSize?: number } = {},
  ): AsyncGenerator<StoredAuditEvent[]> {
    const batchSize = options.batchSize ?? AUDIT_BATCH_SIZE;
    let after = 0;
    for (;;) {
      const params: unknown[] = [];
      const where = whereOf(filter, params);
      where.push(`seq > ${param(params, after)}`);
      if (options.untilSeq !== undefined) where.push(`seq <= ${param(params, options.untilSeq)}`);
      const rows = (await this.dataSource.query(
        `SELECT ${COLUMNS} FROM audit_events ${sqlWhere(where)}
         ORDER BY seq LIMIT ${param(params, batchSize)}`,
        params,
      )) as AuditRow[];
      if (rows.length === 0) return;
      yield rows.map(eventOf);
      if (rows.length < batchSize) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /** The last event's seq (the chain's length when intact) and hash; the genesis hash when empty. */
  async head(): Promise<{ count: number; hash: string }> {
    const [last] = (await this.dataSource.query(
      'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
    )) as { seq: string; hash: string }[];
    return last ? { count: Number(last.seq), hash: last.hash } : { count: 0, hash: GENESIS_HASH };
  }

  /**
   * Recomputes the chain from the first event to the current head and names the first event that does
   * not fit. With `expect` (a head saved earlier, e.g. signed and kept off the box), also checks that
   * event `expect.count` still exists and still has that hash: that catches a rewrite of the whole chain
   * or events deleted from its end, which the chain alone cannot show.
   */
  async verify(expect?: { count: number; hash: string }): Promise<AuditVerification> {
    const { count: untilSeq } = await this.head();
    const verifier = new AuditChainVerifier();
    let expectedFound = false;
    for await (const batch of this.batches({}, { untilSeq })) {
      for (const { hash, ...event } of batch) {
        // The hash covers every field but itself.
        const broken = verifier.next(event, hash);
        if (broken) {
          return brokenAt(verifier.count, broken.seq, event.id, broken.problem, {
            expectedSeq: broken.problem === 'seq_gap' ? broken.expectedSeq : undefined,
          });
        }
        if (expect && event.seq === expect.count) {
          if (hash !== expect.hash)
            return brokenAt(verifier.count, event.seq, event.id, 'head_mismatch');
          expectedFound = true;
        }
      }
    }
    if (expect && expect.count > 0 && !expectedFound)
      return brokenAt(verifier.count, expect.count, null, 'truncated');
    return { intact: true, count: verifier.count, head: verifier.head };
  }
}

function brokenAt(
  count: number,
  seq: number,
  eventId: string | null,
  problem: AuditProblem,
  extra: { expectedSeq?: number } = {},
): AuditVerification {
  const expectedSeq = extra.expectedSeq;
  return {
    intact: false,
    count,
    firstBad: {
      seq,
      eventId,
      problem,
      ...(expectedSeq !== undefined ? { expectedSeq } : {}),
      detail:
        problem === 'seq_gap'
          ? `${PROBLEM_DETAIL.seq_gap}: expected seq ${expectedSeq}`
          : PROBLEM_DETAIL[problem],
    },
  };
}

function param(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

function whereOf(filter: AuditFilter, params: unknown[]): string[] {
  const where: string[] = [];
  if (filter.actorId !== undefined) where.push(`actor_id = ${param(params, filter.actorId)}`);
  if (filter.action !== undefined) where.push(`action = ${param(params, filter.action)}`);
  if (filter.targetType !== undefined)
    where.push(`target_type = ${param(params, filter.targetType)}`);
  if (filter.targetId !== undefined) where.push(`target_id = ${param(params, filter.targetId)}`);
  if (filter.from !== undefined) where.push(`occurred_at >= ${param(params, filter.from)}`);
  if (filter.to !== undefined) where.push(`occurred_at < ${param(params, filter.to)}`);
  return where;
}

function sqlWhere(where: string[]): string {
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/**
 * Events are written with millisecond timestamps (`toISOString`); a stored value with sub-millisecond
 * digits keeps them, so it no longer hashes like what was written.
 */
function occurredAtOf(microsecondText: string): string {
  return microsecondText.endsWith('000')
    ? `${microsecondText.slice(0, -3)}Z`
    : `${microsecondText}Z`;
}

function eventOf(row: AuditRow): StoredAuditEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    occurredAt: occurredAtOf(row.occurred_at),
    actorId: row.actor_id,
    actorRole: row.actor_role,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    reason: row.reason,
    before: row.before,
    after: row.after,
    override: row.override,
    requestId: row.request_id,
    ip: row.ip,
    deviceFingerprint: row.device_fingerprint,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
