/**
 * The chat's SQL: rooms, messages (seq assigned under the room row's lock), receipts, reports. The
 * parties of a room are read from its repair job or sub-order on every use (`partiesOf`), never kept.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import type { MaskKind } from './domain/contact-masking.js';

export const ROOM_KINDS = ['job', 'sub_order'] as const;
export type RoomKind = (typeof ROOM_KINDS)[number];
export type MessageKind = 'text' | 'attachment' | 'system';

export interface RoomRow {
  id: string;
  kind: RoomKind;
  subject_id: string;
  last_seq: string;
  masking: boolean;
}

export interface MessageRow {
  id: string;
  room_id: string;
  seq: string;
  sender_id: string | null;
  client_message_id: string | null;
  kind: MessageKind;
  body: string;
  masked: MaskKind[];
  attachment_key: string | null;
  attachment_type: string | null;
  attachment_bytes: number | null;
  attachment_sha256: string | null;
  thumbnail_key: string | null;
  hidden_at: Date | null;
  hidden_reason: string | null;
  created_at: Date;
}

const MESSAGE_COLUMNS = `m.id::text AS id, m.room_id::text AS room_id, m.seq::text AS seq,
  m.sender_id::text AS sender_id, m.client_message_id, m.kind, m.body, m.masked, m.attachment_key, m.attachment_type,
  m.attachment_bytes, m.attachment_sha256, m.thumbnail_key, m.hidden_at, m.hidden_reason, m.created_at`;

/**
 * The accounts who take part in a room: a repair job's customer and its current technician, a
 * sub-order's buyer and dealer. Null when there is no such job or sub-order. Read on every join,
 * send and read: a reassigned technician is out at once.
 */
export async function partiesOf(
  tx: EntityManager,
  kind: RoomKind,
  subjectId: string,
): Promise<string[] | null> {
  const { rows } = await execute<{ a: string; b: string | null }>(
    tx,
    kind === 'job'
      ? `SELECT customer_id::text AS a, technician_id::text AS b FROM repair_jobs WHERE id = $1`
      : `SELECT o.buyer_id::text AS a, s.dealer_id::text AS b
           FROM sub_orders s JOIN orders o ON o.id = s.order_id WHERE s.id = $1`,
    [subjectId],
  );
  const r = rows[0];
  if (!r) return null;
  return r.b === null ? [r.a] : [r.a, r.b];
}

/** The room of a job or sub-order, created on first use. */
export async function roomOf(
  tx: EntityManager,
  kind: RoomKind,
  subjectId: string,
): Promise<RoomRow> {
  const sql = `SELECT id::text AS id, kind, subject_id::text AS subject_id, last_seq::text AS last_seq,
                      masking FROM chat_rooms WHERE kind = $1 AND subject_id = $2`;
  const found = await execute<RoomRow>(tx, sql, [kind, subjectId]);
  if (found.rows[0]) return found.rows[0];
  await execute(
    tx,
    `INSERT INTO chat_rooms (kind, subject_id) VALUES ($1, $2) ON CONFLICT (kind, subject_id) DO NOTHING`,
    [kind, subjectId],
  );
  return (await execute<RoomRow>(tx, sql, [kind, subjectId])).rows[0]!;
}

export async function roomById(tx: EntityManager, roomId: string): Promise<RoomRow | null> {
  const { rows } = await execute<RoomRow>(
    tx,
    `SELECT id::text AS id, kind, subject_id::text AS subject_id, last_seq::text AS last_seq, masking
       FROM chat_rooms WHERE id = $1`,
    [roomId],
  );
  return rows[0] ?? null;
}

export interface NewMessage {
  senderId: string | null;
  clientMessageId: string | null;
  kind: MessageKind;
  body: string;
  masked: MaskKind[];
  attachment?: {
    key: string;
    type: string;
    bytes: number;
    sha256: string;
    thumbnailKey: string | null;
  };
}

/**
 * Stores a message with the room's next seq, or returns the sender's earlier message with the same
 * client message id (`duplicate`). The room row is locked first, so the duplicate check sees every
 * committed send and seqs are given out in commit order with no gap.
 */
export async function insertMessage(
  tx: EntityManager,
  roomId: string,
  m: NewMessage,
): Promise<{ row: MessageRow; duplicate: boolean }> {
  await execute(tx, `SELECT 1 FROM chat_rooms WHERE id = $1 FOR UPDATE`, [roomId]);
  if (m.clientMessageId !== null) {
    const { rows } = await execute<MessageRow>(
      tx,
      `SELECT ${MESSAGE_COLUMNS} FROM chat_messages m
        WHERE m.room_id = $1 AND m.sender_id = $2 AND m.client_message_id = $3`,
      [roomId, m.senderId, m.clientMessageId],
    );
    if (rows[0]) return { row: rows[0], duplicate: true };
  }
  const { rows } = await execute<MessageRow>(
    tx,
    `WITH r AS (UPDATE chat_rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
     INSERT INTO chat_messages AS m (room_id, seq, sender_id, client_message_id, kind, body, masked,
       attachment_key, attachment_type, attachment_bytes, attachment_sha256, thumbnail_key)
     SELECT $1, r.last_seq, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM r
     RETURNING ${MESSAGE_COLUMNS}`,
    [
      roomId,
      m.senderId,
      m.clientMessageId,
      m.kind,
      m.body,
      m.masked,
      m.attachment?.key ?? null,
      m.attachment?.type ?? null,
      m.attachment?.bytes ?? null,
      m.attachment?.sha256 ?? null,
      m.attachment?.thumbnailKey ?? null,
    ],
  );
  return { row: rows[0]!, duplicate: false };
}

/** A party's send, as `PARTY_SEND_SQL` returns it: the message, and the room as it found it. */
export interface PartySendRow extends MessageRow {
  duplicate: boolean;
  party_a: string;
  party_b: string | null;
  masking: boolean;
}

/**
 * A party's message in one statement (its own implicit transaction, one round trip). It finds the
 * room of the job or sub-order `$1` only while the sender `$2` is one of its parties; returns the
 * sender's earlier message with the same client id `$3` as `duplicate`; otherwise moves the room's
 * seq on under its row lock and stores the message, with the masked text (`$5`, `$6`) or the text
 * as written (`$7`, `$8`) as the room's masking says at that lock. No row: no such room yet, or not
 * a party (the caller takes the full path). Two concurrent sends of one client id: the second fails
 * on the unique key and, run again, finds the first.
 * Parameters: subject, sender, client id, kind, masked body and list, plain body and list, then
 * the attachment's key, type, bytes, sha256, thumbnail key.
 */
export const PARTY_SEND_SQL: Record<RoomKind, string> = {
  job: partySendSql(
    `SELECT j.customer_id AS a, j.technician_id AS b, r.id AS room_id
       FROM repair_jobs j JOIN chat_rooms r ON r.kind = 'job' AND r.subject_id = j.id
      WHERE j.id = $1 AND $2 IN (j.customer_id, j.technician_id)`,
  ),
  sub_order: partySendSql(
    `SELECT o.buyer_id AS a, s.dealer_id AS b, r.id AS room_id
       FROM sub_orders s JOIN orders o ON o.id = s.order_id
       JOIN chat_rooms r ON r.kind = 'sub_order' AND r.subject_id = s.id
      WHERE s.id = $1 AND $2 IN (o.buyer_id, s.dealer_id)`,
  ),
};

function partySendSql(room: string): string {
  return `WITH s AS (${room}),
     dup AS (
       SELECT ${MESSAGE_COLUMNS} FROM chat_messages m JOIN s ON m.room_id = s.room_id
        WHERE m.sender_id = $2 AND m.client_message_id = $3),
     r AS (
       UPDATE chat_rooms c SET last_seq = c.last_seq + 1 FROM s
        WHERE c.id = s.room_id AND NOT EXISTS (SELECT 1 FROM dup)
        RETURNING c.id, c.last_seq, c.masking),
     ins AS (
       INSERT INTO chat_messages AS m (room_id, seq, sender_id, client_message_id, kind, body, masked,
         attachment_key, attachment_type, attachment_bytes, attachment_sha256, thumbnail_key)
       SELECT r.id, r.last_seq, $2, $3, $4,
              CASE WHEN r.masking THEN $5::text ELSE $7::text END,
              CASE WHEN r.masking THEN $6::text[] ELSE $8::text[] END,
              $9, $10, $11, $12, $13
         FROM r
       RETURNING ${MESSAGE_COLUMNS})
   SELECT ins.*, r.masking, false AS duplicate, s.a::text AS party_a, s.b::text AS party_b
     FROM ins, r, s
   UNION ALL
   SELECT dup.*, c.masking, true, s.a::text, s.b::text FROM dup, s JOIN chat_rooms c ON c.id = s.room_id`;
}

export type PageAnchor = { before: number } | { after: number } | { around: number } | null;

/**
 * A page of a room's messages, oldest first: the `limit` newest (no anchor), the `limit` just
 * before or just after a seq, or about half on each side of one (`around`, that seq included).
 */
export async function messagesOf(
  tx: EntityManager,
  roomId: string,
  anchor: PageAnchor,
  limit: number,
): Promise<MessageRow[]> {
  const page = async (where: string, order: 'ASC' | 'DESC', seq: number, n: number) =>
    (
      await execute<MessageRow>(
        tx,
        `SELECT ${MESSAGE_COLUMNS} FROM chat_messages m
          WHERE m.room_id = $1 AND ${where} ORDER BY m.seq ${order} LIMIT $3`,
        [roomId, seq, n],
      )
    ).rows;
  const ascending = (rows: MessageRow[]) => rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  if (anchor === null) return ascending(await page('m.seq > $2', 'DESC', 0, limit));
  if ('before' in anchor) return ascending(await page('m.seq < $2', 'DESC', anchor.before, limit));
  if ('after' in anchor) return page('m.seq > $2', 'ASC', anchor.after, limit);
  const older = await page('m.seq < $2', 'DESC', anchor.around, Math.floor(limit / 2));
  const newer = await page('m.seq >= $2', 'ASC', anchor.around, limit - older.length);
  return [...ascending(older), ...newer];
}

export async function messageById(tx: EntityManager, id: string): Promise<MessageRow | null> {
  const { rows } = await execute<MessageRow>(
    tx,
    `SELECT ${MESSAGE_COLUMNS} FROM chat_messages m WHERE m.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function lockMessage(tx: EntityManager, id: string): Promise<MessageRow | null> {
  const { rows } = await execute<MessageRow>(
    tx,
    `SELECT ${MESSAGE_COLUMNS} FROM chat_messages m WHERE m.id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ?? null;
}

export async function hideMessage(
  tx: EntityManager,
  id: string,
  by: string,
  reason: string,
): Promise<void> {
  await execute(
    tx,
    `UPDATE chat_messages SET hidden_at = now(), hidden_by = $2, hidden_reason = $3 WHERE id = $1`,
    [id, by, reason],
  );
}

export interface ReceiptRow {
  last_delivered_seq: string;
  last_read_seq: string;
}

/** A participant's receipts, or null before their first. */
export async function receiptOf(
  tx: EntityManager,
  roomId: string,
  userId: string,
): Promise<ReceiptRow | null> {
  const { rows } = await execute<ReceiptRow>(
    tx,
    `SELECT last_delivered_seq::text AS last_delivered_seq, last_read_seq::text AS last_read_seq
       FROM chat_receipts WHERE room_id = $1 AND user_id = $2`,
    [roomId, userId],
  );
  return rows[0] ?? null;
}

/**
 * Moves a participant's receipts forward (never back, never past the room's last seq; read implies
 * delivered) and returns them. Created at zero when absent: staff's first join creates theirs.
 */
export async function advanceReceipt(
  tx: EntityManager,
  roomId: string,
  userId: string,
  deliveredSeq: number,
  readSeq: number,
): Promise<ReceiptRow & { created: boolean }> {
  const { rows } = await execute<ReceiptRow & { created: boolean }>(
    tx,
    `WITH r AS (SELECT last_seq FROM chat_rooms WHERE id = $1),
          v AS (SELECT LEAST(GREATEST($3::bigint, $4::bigint), r.last_seq) AS d,
                       LEAST($4::bigint, r.last_seq) AS rd FROM r)
     INSERT INTO chat_receipts AS c (room_id, user_id, last_delivered_seq, last_read_seq)
     SELECT $1, $2, v.d, v.rd FROM v
     ON CONFLICT (room_id, user_id) DO UPDATE
       SET last_delivered_seq = GREATEST(c.last_delivered_seq, EXCLUDED.last_delivered_seq),
           last_read_seq = GREATEST(c.last_read_seq, EXCLUDED.last_read_seq),
           updated_at = CASE WHEN EXCLUDED.last_delivered_seq > c.last_delivered_seq
                               OR EXCLUDED.last_read_seq > c.last_read_seq
                             THEN now() ELSE c.updated_at END
     RETURNING last_delivered_seq::text AS last_delivered_seq, last_read_seq::text AS last_read_seq,
               (xmax = 0) AS created`,
    [roomId, userId, Math.max(0, deliveredSeq), Math.max(0, readSeq)],
  );
  return rows[0]!;
}

/** Records a report of a message; a second report by the same account is a no-op (false). */
export async function insertReport(
  tx: EntityManager,
  messageId: string,
  reporterId: string,
  reason: string,
): Promise<boolean> {
  const { affected } = await execute(
    tx,
    `INSERT INTO chat_reports (message_id, reporter_id, reason) VALUES ($1, $2, $3)
     ON CONFLICT (message_id, reporter_id) DO NOTHING`,
    [messageId, reporterId, reason],
  );
  return affected > 0;
}

export interface ReportRow {
  id: string;
  message_id: string;
  reporter_id: string;
  reporter_name: string | null;
  reason: string;
  created_at: Date;
  /** `created_at` as PostgreSQL prints it (the keyset cursor's, exact to the microsecond). */
  created_at_text: string;
  body: string;
  attachment_type: string | null;
  sender_id: string | null;
  message_at: Date;
  room_kind: RoomKind;
  room_subject_id: string;
  hidden: boolean;
  resolved: boolean;
  action: 'dismiss' | 'hide' | null;
  resolution_reason: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
}

export interface ReportQueuePosition {
  resolved: boolean;
  createdAt: string;
  id: string;
}

const REPORT_SQL = `SELECT r.id::text AS id, r.message_id::text AS message_id,
    r.reporter_id::text AS reporter_id, u.display_name AS reporter_name, r.reason, r.created_at,
    r.created_at::text AS created_at_text, m.body, m.attachment_type, m.sender_id::text AS sender_id,
    m.created_at AS message_at, c.kind AS room_kind, c.subject_id::text AS room_subject_id,
    m.hidden_at IS NOT NULL AS hidden, x.report_id IS NOT NULL AS resolved, x.action,
    x.reason AS resolution_reason, x.resolved_by::text AS resolved_by, x.resolved_at
   FROM chat_reports r
   JOIN users u ON u.id = r.reporter_id
   JOIN chat_messages m ON m.id = r.message_id
   JOIN chat_rooms c ON c.id = m.room_id
   LEFT JOIN chat_report_resolutions x ON x.report_id = r.id`;

/**
 * The reports queue: open reports first, then resolved ones (or only one of them), each oldest
 * first; `limit + 1` rows from after `after` (keyset on resolved, created_at, id).
 */
export async function reportsQueue(
  tx: EntityManager,
  q: { status?: 'open' | 'resolved'; after?: ReportQueuePosition; limit: number },
): Promise<ReportRow[]> {
  const { rows } = await execute<ReportRow>(
    tx,
    `SELECT * FROM (${REPORT_SQL}) q
      WHERE ($1::boolean IS NULL OR q.resolved = $1)
        AND ($2::boolean IS NULL OR (q.resolved, q.created_at, q.id::uuid) > ($2, $3::timestamptz, $4::uuid))
      ORDER BY q.resolved, q.created_at, q.id::uuid
      LIMIT $5`,
    [
      q.status === undefined ? null : q.status === 'resolved',
      q.after?.resolved ?? null,
      q.after?.createdAt ?? null,
      q.after?.id ?? null,
      q.limit + 1,
    ],
  );
  return rows;
}

export async function reportById(tx: EntityManager, id: string): Promise<ReportRow | null> {
  const { rows } = await execute<ReportRow>(tx, `${REPORT_SQL} WHERE r.id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * Resolves the reports `ids` that are still open (a concurrent resolution of one waits on its
 * key and then finds it taken); returns the ids it resolved.
 */
export async function resolveReports(
  tx: EntityManager,
  ids: string[],
  r: { action: 'dismiss' | 'hide'; reason: string; by: string },
): Promise<string[]> {
  const { rows } = await execute<{ report_id: string }>(
    tx,
    `INSERT INTO chat_report_resolutions (report_id, action, reason, resolved_by)
     SELECT unnest($1::uuid[]), $2, $3, $4
     ON CONFLICT (report_id) DO NOTHING
     RETURNING report_id::text AS report_id`,
    [ids, r.action, r.reason, r.by],
  );
  return rows.map((x) => x.report_id);
}

/** The ids of a message's open reports. */
export async function openReportsOf(tx: EntityManager, messageId: string): Promise<string[]> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `SELECT r.id::text AS id FROM chat_reports r
      WHERE r.message_id = $1
        AND NOT EXISTS (SELECT 1 FROM chat_report_resolutions x WHERE x.report_id = r.id)
      ORDER BY r.created_at, r.id`,
    [messageId],
  );
  return rows.map((x) => x.id);
}

export async function setMasking(tx: EntityManager, roomId: string, on: boolean): Promise<void> {
  await execute(tx, `UPDATE chat_rooms SET masking = $2 WHERE id = $1`, [roomId, on]);
}

export interface RoomListRow extends RoomRow {
  last_delivered_seq: string | null;
  last_read_seq: string | null;
}

/**
 * The rooms (created ones) of the account's repair jobs and sub-orders — and for `staff` the rooms
 * they joined — most recently active first.
 */
export async function roomsOfParty(
  tx: EntityManager,
  userId: string,
  staff: boolean,
): Promise<RoomListRow[]> {
  const { rows } = await execute<RoomListRow>(
    tx,
    `SELECT c.id::text AS id, c.kind, c.subject_id::text AS subject_id, c.last_seq::text AS last_seq,
            c.masking, rc.last_delivered_seq::text AS last_delivered_seq,
            rc.last_read_seq::text AS last_read_seq
       FROM chat_rooms c
       LEFT JOIN chat_receipts rc ON rc.room_id = c.id AND rc.user_id = $1
      WHERE (c.kind = 'job' AND c.subject_id IN (
               SELECT id FROM repair_jobs WHERE customer_id = $1 OR technician_id = $1))
         OR (c.kind = 'sub_order' AND c.subject_id IN (
               SELECT s.id FROM sub_orders s JOIN orders o ON o.id = s.order_id
                WHERE s.dealer_id = $1 OR o.buyer_id = $1))
         OR ($2 AND rc.user_id IS NOT NULL)
      ORDER BY (SELECT max(created_at) FROM chat_messages WHERE room_id = c.id) DESC NULLS LAST, c.id
      LIMIT 200`,
    [userId, staff],
  );
  return rows;
}
