import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Chat (src/chat/): one room per repair job and one per sub-order (`kind`, `subject_id`), created on
 * first use. Who is in a room is not stored: it is read from the job or sub-order on every join,
 * send and read, so a reassigned technician is out at once.
 *
 * `chat_messages.seq` is the room's sequence: the insert takes `chat_rooms.last_seq + 1` through an
 * `UPDATE … RETURNING` in the same transaction (the room row's lock orders the room's sends), so a
 * room's seqs have no gaps and a rolled-back send uses none. `client_message_id` makes sends
 * idempotent per sender and room. `body` is stored masked (contact details and payment links, see
 * src/chat/domain/contact-masking.ts); `masked` lists what was masked. Staff hide a message
 * (`hidden_*`): the body is kept for compliance. `system` messages (staff joined) have no sender.
 * An `attachment` message names its stored object (`attachment_key`: a re-encoded image with its
 * JPEG thumbnail at `thumbnail_key`, or a probed video); its body is the caption (may be empty).
 *
 * `chat_receipts`: each participant's last delivered and read seq (only move forward).
 * `chat_reports`: a participant reports a message for staff (append-only).
 */
export class Chat1764670000000 implements MigrationInterface {
  name = 'Chat1764670000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE chat_rooms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('job','sub_order')),
        subject_id uuid NOT NULL,
        last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        masking boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, subject_id)
      )`);
    await q.query(`
      CREATE TABLE chat_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        room_id uuid NOT NULL REFERENCES chat_rooms(id),
        seq bigint NOT NULL CHECK (seq > 0),
        sender_id uuid REFERENCES users(id),
        client_message_id text CHECK (length(client_message_id) BETWEEN 1 AND 64),
        kind text NOT NULL CHECK (kind IN ('text','attachment','system')),
        body text NOT NULL,
        masked text[] NOT NULL DEFAULT '{}',
        attachment_key text,
        attachment_type text CHECK (attachment_type IN
          ('image/jpeg','image/png','image/webp','video/mp4','video/webm')),
        attachment_bytes integer CHECK (attachment_bytes > 0),
        attachment_sha256 text CHECK (attachment_sha256 ~ '^[0-9a-f]{64}$'),
        thumbnail_key text,
        hidden_at timestamptz,
        hidden_by uuid REFERENCES users(id),
        hidden_reason text CHECK (length(hidden_reason) BETWEEN 3 AND 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (room_id, seq),
        UNIQUE (room_id, sender_id, client_message_id),
        CHECK ((kind = 'system') = (sender_id IS NULL)),
        CHECK ((kind = 'system') = (client_message_id IS NULL)),
        CHECK ((kind = 'attachment') = (attachment_key IS NOT NULL)),
        CHECK ((attachment_key IS NULL) = (attachment_type IS NULL)),
        CHECK ((attachment_key IS NULL) = (attachment_bytes IS NULL)),
        CHECK ((attachment_key IS NULL) = (attachment_sha256 IS NULL)),
        CHECK (thumbnail_key IS NULL OR attachment_key IS NOT NULL),
        CHECK ((hidden_at IS NULL) = (hidden_by IS NULL)),
        CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
      )`);
    await q.query(`
      CREATE TABLE chat_receipts (
        room_id uuid NOT NULL REFERENCES chat_rooms(id),
        user_id uuid NOT NULL REFERENCES users(id),
        last_delivered_seq bigint NOT NULL DEFAULT 0 CHECK (last_delivered_seq >= 0),
        last_read_seq bigint NOT NULL DEFAULT 0 CHECK (last_read_seq >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE chat_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        message_id uuid NOT NULL REFERENCES chat_messages(id),
        reporter_id uuid NOT NULL REFERENCES users(id),
        reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (message_id, reporter_id)
      )`);
    await q.query(`CREATE INDEX chat_reports_recent_idx ON chat_reports (created_at DESC)`);
    await makeAppendOnly(q, 'chat_reports');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE chat_reports`);
    await q.query(`DROP TABLE chat_receipts`);
    await q.query(`DROP TABLE chat_messages`);
    await q.query(`DROP TABLE chat_rooms`);
  }
}
