import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Calls through LiveKit (src/calls/) and push notifications (src/notifications/).
 *
 * - `calls`: one row per call of a repair job, in one LiveKit room of its own; `ringing` until the
 *   callee accepts (`active`), declines or lets it ring out (`missed`); an active call `ended` (by a
 *   participant, by staff's revocation of a right, or because LiveKit finished the room). At most
 *   one ringing or active call per job (a partial unique index). `ended_by` is the user who ended
 *   it (null: the system); `end_reason` says why. Each move is a row of `call_history`
 *   (append-only; the machine is src/calls/domain/call-state.ts).
 * - `call_participants`: who was in the room and when, from LiveKit's webhooks, one row per
 *   participant session (LiveKit's participant sid): a participant_left that arrives before its
 *   participant_joined makes the row with `left_at` only, the join fills `joined_at` later.
 * - `livekit_webhook_events`: every webhook event id received once (deduplication).
 * - `push_tokens`: a device's Expo push token, registered by one session; deleted with the session's
 *   revocation (logout, revoking a session, logging out everywhere, refresh-token reuse) by trigger.
 * - `notification_preferences`: per user and category, on unless a row says otherwise.
 * - `push_outbox`: the local push adapter's deliveries (nothing leaves the machine).
 */
export class CallsAndPush1764680000000 implements MigrationInterface {
  name = 'CallsAndPush1764680000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calls (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        kind text NOT NULL CHECK (kind IN ('audio','video')),
        room text NOT NULL UNIQUE,
        caller_id uuid NOT NULL REFERENCES users(id),
        callee_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL DEFAULT 'ringing'
          CHECK (status IN ('ringing','active','declined','missed','ended')),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        answered_at timestamptz,
        ended_at timestamptz,
        ended_by uuid REFERENCES users(id),
        end_reason text,
        -- LiveKit's view, from webhooks: when the room started and finished.
        room_started_at timestamptz,
        room_finished_at timestamptz,
        CHECK (caller_id <> callee_id),
        CHECK (status <> 'active' OR answered_at IS NOT NULL),
        CHECK (status NOT IN ('ringing','declined','missed') OR answered_at IS NULL),
        CHECK ((status IN ('ringing','active')) = (ended_at IS NULL)),
        CHECK ((status IN ('ringing','active')) = (end_reason IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX calls_one_open_per_job_idx ON calls (repair_job_id)
         WHERE status IN ('ringing','active')`,
    );
    await q.query(`CREATE INDEX calls_job_idx ON calls (repair_job_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE call_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        call_id uuid NOT NULL REFERENCES calls(id),
        event text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        actor text NOT NULL CHECK (actor IN ('caller','callee','system')),
        actor_id uuid REFERENCES users(id),
        reason text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX call_history_call_idx ON call_history (call_id, id)`);
    await makeAppendOnly(q, 'call_history');
    await q.query(`
      CREATE TABLE call_participants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        call_id uuid NOT NULL REFERENCES calls(id),
        participant_sid text NOT NULL,
        -- LiveKit's identity: our user id.
        user_id uuid NOT NULL REFERENCES users(id),
        joined_at timestamptz,
        left_at timestamptz,
        CHECK (joined_at IS NOT NULL OR left_at IS NOT NULL),
        UNIQUE (call_id, participant_sid)
      )`);
    await q.query(`
      CREATE TABLE livekit_webhook_events (
        id text PRIMARY KEY,
        event text NOT NULL,
        room text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE push_tokens (
        token text PRIMARY KEY CHECK (length(token) BETWEEN 1 AND 255),
        user_id uuid NOT NULL REFERENCES users(id),
        session_id uuid NOT NULL REFERENCES sessions(id),
        platform text NOT NULL CHECK (platform IN ('ios','android')),
        registered_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX push_tokens_user_idx ON push_tokens (user_id)`);
    await q.query(`CREATE INDEX push_tokens_session_idx ON push_tokens (session_id)`);
    await q.query(`
      CREATE FUNCTION push_tokens_drop_with_session() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM push_tokens WHERE session_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER sessions_revoked_drop_push_tokens
        AFTER UPDATE OF revoked_at ON sessions
        FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL)
        EXECUTE FUNCTION push_tokens_drop_with_session()`);
    await q.query(`
      CREATE TABLE notification_preferences (
        user_id uuid PRIMARY KEY REFERENCES users(id),
        messages boolean NOT NULL DEFAULT true,
        calls boolean NOT NULL DEFAULT true,
        job_offers boolean NOT NULL DEFAULT true,
        orders boolean NOT NULL DEFAULT true,
        payments boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE push_outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id),
        token text NOT NULL,
        category text NOT NULL
          CHECK (category IN ('messages','calls','job_offers','orders','payments')),
        title text NOT NULL,
        body text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX push_outbox_user_idx ON push_outbox (user_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE push_outbox`);
    await q.query(`DROP TABLE notification_preferences`);
    await q.query(`DROP TRIGGER sessions_revoked_drop_push_tokens ON sessions`);
    await q.query(`DROP FUNCTION push_tokens_drop_with_session()`);
    await q.query(`DROP TABLE push_tokens`);
    await q.query(`DROP TABLE livekit_webhook_events`);
    await q.query(`DROP TABLE call_participants`);
    await q.query(`DROP TABLE call_history`);
    await q.query(`DROP TABLE calls`);
  }
}
