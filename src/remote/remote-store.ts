/**
 * Remote repair's SQL: consents, the IMEI vault's rows, remote sessions (the one place their status
 * changes: `moveSession`, through the common state-machine helper), join tokens, the relay's reports,
 * the customer agent's activity and the revocations the relays must hold.
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { transition } from '../common/state-transition.js';
import { execute } from '../database/sql.js';
import type { ConsentPermission } from './domain/consent-text.js';
import {
  REMOTE_SESSION_MACHINE,
  type RemoteSessionActor,
  type RemoteSessionEvent,
  type RemoteSessionStatus,
} from './domain/remote-session-state.js';
import { RemoteSessionTransitioned } from './remote-events.js';
import type { SealedImei } from './imei-vault.js';
import { UUID } from '../common/uuid.js';

export const sessionNotFound = () =>
  new AppProblem(404, 'remote-session/not-found', 'Not found', 'No such remote session');

// ---- consents ----

export interface ConsentRow {
  id: string;
  repair_job_id: string;
  customer_id: string;
  technician_id: string;
  text_version: string;
  text_sha256: string;
  permissions: ConsentPermission[];
  target: string;
  accepted_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  /** Not revoked and not expired (by the database clock). */
  active: boolean;
}

const CONSENT_COLUMNS = `id::text AS id, repair_job_id::text AS repair_job_id,
  customer_id::text AS customer_id, technician_id::text AS technician_id, text_version, text_sha256,
  permissions, target, accepted_at, expires_at, revoked_at,
  (revoked_at IS NULL AND expires_at > clock_timestamp()) AS active`;

export async function insertConsent(
  tx: EntityManager,
  c: {
    repairJobId: string;
    customerId: string;
    technicianId: string;
    textVersion: string;
    textSha256: string;
    permissions: ConsentPermission[];
    target: string;
    hours: number;
    ip: string;
    deviceFingerprint: string;
  },
): Promise<ConsentRow> {
  const { rows } = await execute<ConsentRow>(
    tx,
    `INSERT INTO remote_consents (repair_job_id, customer_id, technician_id, text_version,
       text_sha256, permissions, target, expires_at, ip, device_fingerprint)
     VALUES ($1, $2, $3, $4, $5, $6::text[], $7, clock_timestamp() + make_interval(hours => $8), $9, $10)
     RETURNING ${CONSENT_COLUMNS}`,
    [
      c.repairJobId,
      c.customerId,
      c.technicianId,
      c.textVersion,
      c.textSha256,
      c.permissions,
      c.target,
      c.hours,
      c.ip,
      c.deviceFingerprint,
    ],
  );
  return rows[0]!;
}

/** The job's latest consent (for `technicianId` when given), or undefined. */
export async function latestConsent(
  tx: EntityManager,
  repairJobId: string,
  technicianId?: string,
): Promise<ConsentRow | undefined> {
  const { rows } = await execute<ConsentRow>(
    tx,
    `SELECT ${CONSENT_COLUMNS} FROM remote_consents
      WHERE repair_job_id = $1 AND ($2::uuid IS NULL OR technician_id = $2)
      ORDER BY accepted_at DESC, id DESC LIMIT 1`,
    [repairJobId, technicianId ?? null],
  );
  return rows[0];
}

/** Whether `technicianId` was ever given a consent for the job (a former technician of it). */
export async function everConsentedTo(
  tx: EntityManager,
  repairJobId: string,
  technicianId: string,
): Promise<boolean> {
  const { rows } = await execute(
    tx,
    `SELECT 1 FROM remote_consents WHERE repair_job_id = $1 AND technician_id = $2 LIMIT 1`,
    [repairJobId, technicianId],
  );
  return rows.length > 0;
}

export async function revokeConsent(
  tx: EntityManager,
  id: string,
  by: { ip: string; deviceFingerprint: string | null },
): Promise<ConsentRow> {
  const { rows } = await execute<ConsentRow>(
    tx,
    `UPDATE remote_consents SET revoked_at = clock_timestamp(), revoked_ip = $2,
            revoked_device_fingerprint = $3
      WHERE id = $1 AND revoked_at IS NULL RETURNING ${CONSENT_COLUMNS}`,
    [id, by.ip, by.deviceFingerprint],
  );
  return rows[0]!;
}

/** Ids of the job's consents neither revoked nor expired (one, unless the technician changed), locked. */
export async function lockActiveConsentIds(
  tx: EntityManager,
  repairJobId: string,
): Promise<string[]> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `SELECT id::text AS id FROM remote_consents
      WHERE repair_job_id = $1 AND revoked_at IS NULL AND expires_at > clock_timestamp()
      ORDER BY id FOR UPDATE`,
    [repairJobId],
  );
  return rows.map((r) => r.id);
}

/** An account's display name (the technician named in the consent notice). */
export async function displayName(tx: EntityManager, userId: string): Promise<string> {
  const { rows } = await execute<{ name: string }>(
    tx,
    `SELECT display_name AS name FROM users WHERE id = $1`,
    [userId],
  );
  return rows[0]!.name;
}

// ---- the IMEI vault ----

export interface ImeiRow extends SealedImei {
  repairJobId: string;
}

export async function upsertImei(
  tx: EntityManager,
  repairJobId: string,
  sealed: SealedImei,
  lookupHash: Buffer,
  recordedBy: string,
): Promise<void> {
  await execute(
    tx,
    `INSERT INTO repair_job_imeis (repair_job_id, key_id, iv, ciphertext, auth_tag, lookup_hash, recorded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (repair_job_id) DO UPDATE SET key_id = EXCLUDED.key_id, iv = EXCLUDED.iv,
       ciphertext = EXCLUDED.ciphertext, auth_tag = EXCLUDED.auth_tag,
       lookup_hash = EXCLUDED.lookup_hash, recorded_by = EXCLUDED.recorded_by,
       recorded_at = clock_timestamp(), reencrypted_at = NULL`,
    [
      repairJobId,
      sealed.keyId,
      sealed.iv,
      sealed.ciphertext,
      sealed.authTag,
      lookupHash,
      recordedBy,
    ],
  );
}

const IMEI_COLUMNS = `repair_job_id::text AS "repairJobId", key_id AS "keyId", iv,
  ciphertext, auth_tag AS "authTag"`;

export async function readImei(
  tx: EntityManager,
  repairJobId: string,
): Promise<ImeiRow | undefined> {
  const { rows } = await execute<ImeiRow>(
    tx,
    `SELECT ${IMEI_COLUMNS} FROM repair_job_imeis WHERE repair_job_id = $1`,
    [repairJobId],
  );
  return rows[0];
}

/** Up to `limit` rows not under `currentKeyId`, locked (skipping rows another re-encryption holds). */
export async function imeisUnderOtherKeys(
  tx: EntityManager,
  currentKeyId: string,
  limit: number,
): Promise<ImeiRow[]> {
  const { rows } = await execute<ImeiRow>(
    tx,
    `SELECT ${IMEI_COLUMNS} FROM repair_job_imeis WHERE key_id <> $1
      ORDER BY repair_job_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [currentKeyId, limit],
  );
  return rows;
}

export async function resealImei(
  tx: EntityManager,
  repairJobId: string,
  sealed: SealedImei,
): Promise<void> {
  await execute(
    tx,
    `UPDATE repair_job_imeis SET key_id = $2, iv = $3, ciphertext = $4, auth_tag = $5,
            reencrypted_at = clock_timestamp()
      WHERE repair_job_id = $1`,
    [repairJobId, sealed.keyId, sealed.iv, sealed.ciphertext, sealed.authTag],
  );
}

/** How many rows each key id holds. */
export async function imeiKeyCounts(tx: EntityManager): Promise<Record<string, number>> {
  const { rows } = await execute<{ key_id: string; n: number }>(
    tx,
    `SELECT key_id, count(*)::int AS n FROM repair_job_imeis GROUP BY key_id ORDER BY key_id`,
  );
  return Object.fromEntries(rows.map((r) => [r.key_id, r.n]));
}

/** Other jobs whose IMEI has the same lookup hash as `repairJobId`'s, newest first. */
export async function sameDeviceJobIds(tx: EntityManager, repairJobId: string): Promise<string[]> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `SELECT o.repair_job_id::text AS id FROM repair_job_imeis j
       JOIN repair_job_imeis o ON o.lookup_hash = j.lookup_hash AND o.repair_job_id <> j.repair_job_id
      WHERE j.repair_job_id = $1 ORDER BY o.recorded_at DESC LIMIT 100`,
    [repairJobId],
  );
  return rows.map((r) => r.id);
}

// ---- sessions ----

export interface SessionRow {
  id: string;
  repair_job_id: string;
  consent_id: string;
  customer_id: string;
  technician_id: string;
  status: RemoteSessionStatus;
  target: string;
  bandwidth_bps: number;
  requested_at: Date;
  join_by: Date;
  approved_at: Date | null;
  hard_stop_at: Date | null;
  connected_at: Date | null;
  active_at: Date | null;
  ended_at: Date | null;
  end_reason: string | null;
  ended_by: string | null;
  bytes_customer_to_technician: string;
  bytes_technician_to_customer: string;
  reconnects: number;
  throttled_ms: string;
  /** The relay it runs on (`relayFor`), from its first join token on. */
  relay_id: string | null;
}

const SESSION_COLUMNS = `id::text AS id, repair_job_id::text AS repair_job_id,
  consent_id::text AS consent_id, customer_id::text AS customer_id,
  technician_id::text AS technician_id, status, target, bandwidth_bps, requested_at, join_by,
  approved_at, hard_stop_at, connected_at, active_at, ended_at, end_reason, ended_by::text AS ended_by,
  bytes_customer_to_technician::text AS bytes_customer_to_technician,
  bytes_technician_to_customer::text AS bytes_technician_to_customer, reconnects,
  throttled_ms::text AS throttled_ms, relay_id`;

/** Inserts a requested session; 409 `remote-session/already-live` when the job has a live one. */
export async function insertSession(
  tx: EntityManager,
  s: {
    repairJobId: string;
    consentId: string;
    customerId: string;
    technicianId: string;
    target: string;
    bandwidthBps: number;
    joinMinutes: number;
  },
): Promise<SessionRow> {
  try {
    await execute(tx, 'SAVEPOINT insert_remote_session');
    const { rows } = await execute<SessionRow>(
      tx,
      `INSERT INTO remote_sessions (repair_job_id, consent_id, customer_id, technician_id, target,
         bandwidth_bps, join_by)
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp() + make_interval(mins => $7))
       RETURNING ${SESSION_COLUMNS}`,
      [
        s.repairJobId,
        s.consentId,
        s.customerId,
        s.technicianId,
        s.target,
        s.bandwidthBps,
        s.joinMinutes,
      ],
    );
    return rows[0]!;
  } catch (err) {
    if (
      (err as { driverError?: { constraint?: string } }).driverError?.constraint !==
      'remote_sessions_one_live_per_job_idx'
    )
      throw err;
    await execute(tx, 'ROLLBACK TO SAVEPOINT insert_remote_session');
    throw new AppProblem(
      409,
      'remote-session/already-live',
      'Conflict',
      'This job already has a live remote session',
      {
        repairJobId: s.repairJobId,
      },
    );
  }
}

/** The session, locked (or read); 404 when there is none. */
export async function lockSession(
  tx: EntityManager,
  id: string,
  mode: 'lock' | 'read' = 'lock',
): Promise<SessionRow> {
  if (!UUID.test(id)) throw sessionNotFound();
  const { rows } = await execute<SessionRow>(
    tx,
    `SELECT ${SESSION_COLUMNS} FROM remote_sessions WHERE id = $1 ${mode === 'lock' ? 'FOR UPDATE' : ''}`,
    [id],
  );
  if (rows[0] === undefined) throw sessionNotFound();
  return rows[0];
}

/** Live sessions matching `where`, locked in id order. */
export async function lockLiveSessions(
  tx: EntityManager,
  where: { repairJobId: string } | { consentId: string } | { userId: string } | 'due',
): Promise<SessionRow[]> {
  const [cond, params] =
    where === 'due'
      ? [
          `(hard_stop_at <= clock_timestamp()
            OR (status IN ('requested','approved','tokens_issued') AND join_by <= clock_timestamp()))`,
          [],
        ]
      : 'repairJobId' in where
        ? ['repair_job_id = $1', [where.repairJobId]]
        : 'consentId' in where
          ? ['consent_id = $1', [where.consentId]]
          : ['(customer_id = $1 OR technician_id = $1)', [where.userId]];
  const { rows } = await execute<SessionRow>(
    tx,
    `SELECT ${SESSION_COLUMNS} FROM remote_sessions WHERE status <> 'ended' AND ${cond}
      ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED`,
    params,
  );
  return rows;
}

export interface SessionMove {
  event: RemoteSessionEvent;
  actor: RemoteSessionActor;
  actorId: string | null;
  /** `end`: the end reason (`ended_by_customer`, `admin_kill`, the relay's, …). */
  endReason?: string;
  /** The history row's reason (staff's words for a kill; the end reason otherwise). */
  reason?: string;
  /** `approve`: the hard stop. */
  hardStopAt?: Date;
}

/**
 * Moves a (locked) session through REMOTE_SESSION_MACHINE: the conditional update (with the
 * timestamp of the state reached), its `remote_session_history` row, and its
 * `RemoteSessionTransitioned` event after commit.
 */
export async function moveSession(
  tx: EntityManager,
  session: SessionRow,
  move: SessionMove,
): Promise<void> {
  const endReason = move.event === 'end' ? move.endReason! : null;
  const reason = move.reason ?? endReason;
  const { to } = await transition(
    tx,
    REMOTE_SESSION_MACHINE,
    {
      from: session.status,
      event: move.event,
      actor: move.actor,
      reason,
      reasonRequiredStatus: 400,
      problem: { remoteSessionId: session.id, remoteSessionStatus: session.status },
    },
    {
      historyTable: 'remote_session_history',
      update: async (from, to) => {
        const { affected } = await execute(
          tx,
          `UPDATE remote_sessions SET status = $3,
                  approved_at = CASE WHEN $3 = 'approved' THEN clock_timestamp() ELSE approved_at END,
                  hard_stop_at = COALESCE($6::timestamptz, hard_stop_at),
                  connected_at = CASE WHEN $3 = 'connected' THEN clock_timestamp() ELSE connected_at END,
                  active_at = CASE WHEN $3 = 'active' THEN clock_timestamp() ELSE active_at END,
                  ended_at = CASE WHEN $3 = 'ended' THEN clock_timestamp() END,
                  ended_by = CASE WHEN $3 = 'ended' THEN $4::uuid END,
                  end_reason = CASE WHEN $3 = 'ended' THEN $5 END
            WHERE id = $1 AND status = $2`,
          [session.id, from, to, move.actorId, endReason, move.hardStopAt ?? null],
        );
        return { affected };
      },
      insertHistory: async (from, to) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO remote_session_history (session_id, event, from_status, to_status, actor, actor_id, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
          [session.id, move.event, from, to, move.actor, move.actorId, reason],
        );
        return rows[0]!.id;
      },
      event: (from, to) =>
        new RemoteSessionTransitioned(
          session.id,
          session.repair_job_id,
          move.event,
          from,
          to,
          endReason,
        ),
    },
  );
  session.status = to;
}

/** Sessions newest first: of a job, or (staff) live or ended ones after a keyset position. */
export async function sessionRows(
  tx: EntityManager,
  where:
    | { repairJobId: string }
    | { live: boolean | undefined; after?: { requestedAt: string; id: string }; limit: number },
): Promise<SessionRow[]> {
  if ('repairJobId' in where) {
    const { rows } = await execute<SessionRow>(
      tx,
      `SELECT ${SESSION_COLUMNS} FROM remote_sessions WHERE repair_job_id = $1
        ORDER BY requested_at DESC, id DESC`,
      [where.repairJobId],
    );
    return rows;
  }
  const { rows } = await execute<SessionRow & { requested_at_text: string }>(
    tx,
    `SELECT ${SESSION_COLUMNS}, requested_at::text AS requested_at_text FROM remote_sessions
      WHERE ($1::boolean IS NULL OR (status <> 'ended') = $1)
        AND ($2::timestamptz IS NULL OR (requested_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY requested_at DESC, id DESC LIMIT $4`,
    [
      where.live ?? null,
      where.after?.requestedAt ?? null,
      where.after?.id ?? null,
      where.limit + 1,
    ],
  );
  return rows;
}

// ---- join tokens ----

/** Records the relay a session runs on (the caller holds the session locked). */
export async function setSessionRelay(
  tx: EntityManager,
  sessionId: string,
  relayId: string,
): Promise<void> {
  await execute(tx, `UPDATE remote_sessions SET relay_id = $2 WHERE id = $1`, [sessionId, relayId]);
}

export async function insertToken(
  tx: EntityManager,
  t: {
    jti: string;
    sessionId: string;
    role: 'customer' | 'technician';
    userId: string;
    deviceId: string;
    certFingerprint: string;
    issuedAt: Date;
    joinBy: Date;
    hardStopAt: Date;
  },
): Promise<void> {
  await execute(
    tx,
    `INSERT INTO remote_agent_tokens (jti, session_id, role, user_id, device_id, cert_fingerprint,
       issued_at, join_by, hard_stop_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      t.jti,
      t.sessionId,
      t.role,
      t.userId,
      t.deviceId,
      t.certFingerprint,
      t.issuedAt,
      t.joinBy,
      t.hardStopAt,
    ],
  );
}

export async function tokenIssued(
  tx: EntityManager,
  jti: string,
  sessionId: string,
  role: 'customer' | 'technician',
): Promise<boolean> {
  const { rows } = await execute(
    tx,
    `SELECT 1 FROM remote_agent_tokens WHERE jti = $1 AND session_id = $2 AND role = $3`,
    [jti, sessionId, role],
  );
  return rows.length > 0;
}

// ---- the relay's reports and the customer agent's activity ----

export interface RelayEventInput {
  sessionId: string;
  relayId: string;
  eventId: string;
  type: 'agent_connected' | 'paired' | 'first_open' | 'reconnected' | 'ended';
  role: 'customer' | 'technician' | null;
  occurredAt: Date;
  detail: Record<string, unknown>;
}

/** Stores a relay event once (by relay and event id); false when it was already received. */
export async function insertRelayEvent(tx: EntityManager, e: RelayEventInput): Promise<boolean> {
  const { rows } = await execute(
    tx,
    `INSERT INTO remote_session_events (session_id, relay_id, event_id, type, role, occurred_at, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
     ON CONFLICT (relay_id, event_id) DO NOTHING RETURNING id`,
    [e.sessionId, e.relayId, e.eventId, e.type, e.role, e.occurredAt, JSON.stringify(e.detail)],
  );
  return rows.length > 0;
}

/** The relay's totals for the session (they only grow: a late, smaller report changes nothing). */
export async function recordTotals(
  tx: EntityManager,
  sessionId: string,
  t: {
    bytesCustomerToTechnician: number;
    bytesTechnicianToCustomer: number;
    reconnects: number;
    throttledMs: number;
  },
): Promise<void> {
  await execute(
    tx,
    `UPDATE remote_sessions SET
       bytes_customer_to_technician = GREATEST(bytes_customer_to_technician, $2),
       bytes_technician_to_customer = GREATEST(bytes_technician_to_customer, $3),
       reconnects = GREATEST(reconnects, $4), throttled_ms = GREATEST(throttled_ms, $5)
     WHERE id = $1`,
    [
      sessionId,
      t.bytesCustomerToTechnician,
      t.bytesTechnicianToCustomer,
      t.reconnects,
      t.throttledMs,
    ],
  );
}

export async function insertActivity(
  tx: EntityManager,
  sessionId: string,
  jti: string,
  items: { occurredAt: Date; kind: string | null; service: string }[],
): Promise<void> {
  await execute(
    tx,
    `INSERT INTO remote_session_activity (session_id, jti, occurred_at, kind, service)
     SELECT $1, $2, a.at, a.kind, a.service
       FROM unnest($3::timestamptz[], $4::text[], $5::text[]) AS a(at, kind, service)`,
    [
      sessionId,
      jti,
      items.map((i) => i.occurredAt),
      items.map((i) => i.kind),
      items.map((i) => i.service),
    ],
  );
}

export interface SessionLogs {
  history: {
    event: string;
    from: string;
    to: string;
    actor: string;
    reason: string | null;
    at: Date;
  }[];
  relayEvents: { type: string; role: string | null; at: Date; detail: Record<string, unknown> }[];
  activity: { kind: string | null; service: string; at: Date }[];
}

export async function sessionLogs(tx: EntityManager, sessionId: string): Promise<SessionLogs> {
  // One after another: the transaction's connection runs one query at a time.
  const history = await execute<SessionLogs['history'][number]>(
    tx,
    `SELECT event, from_status AS from, to_status AS to, actor, reason, created_at AS at
       FROM remote_session_history WHERE session_id = $1 ORDER BY id`,
    [sessionId],
  );
  const relayEvents = await execute<SessionLogs['relayEvents'][number]>(
    tx,
    `SELECT type, role, occurred_at AS at, detail FROM remote_session_events
      WHERE session_id = $1 ORDER BY occurred_at, id`,
    [sessionId],
  );
  const activity = await execute<SessionLogs['activity'][number]>(
    tx,
    `SELECT kind, service, occurred_at AS at FROM remote_session_activity
      WHERE session_id = $1 ORDER BY occurred_at, id`,
    [sessionId],
  );
  return { history: history.rows, relayEvents: relayEvents.rows, activity: activity.rows };
}

// ---- revocations ----

export async function insertRevocation(
  tx: EntityManager,
  sessionId: string,
  reason: string,
  hardStopAt: Date,
): Promise<void> {
  await execute(
    tx,
    `INSERT INTO remote_revocations (session_id, reason, hard_stop_at) VALUES ($1, $2, $3)
     ON CONFLICT (session_id) DO NOTHING`,
    [sessionId, reason, hardStopAt],
  );
}

/** Revocations still within their hard stop: all (`full`), or those of `sessionIds` not pushed yet. */
export async function revocationsToSend(
  tx: EntityManager,
  sessionIds?: string[],
): Promise<{ sid: string; reason: string }[]> {
  const { rows } = await execute<{ sid: string; reason: string }>(
    tx,
    `SELECT session_id::text AS sid, reason FROM remote_revocations
      WHERE hard_stop_at > clock_timestamp()
        AND ($1::uuid[] IS NULL OR (session_id = ANY($1::uuid[]) AND pushed_at IS NULL))
      ORDER BY revoked_at, session_id`,
    [sessionIds ?? null],
  );
  return rows;
}

export async function markPushed(tx: EntityManager, sessionIds: string[]): Promise<void> {
  await execute(
    tx,
    `UPDATE remote_revocations SET pushed_at = clock_timestamp()
      WHERE session_id = ANY($1::uuid[]) AND pushed_at IS NULL`,
    [sessionIds],
  );
}
