import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Remote repair (src/remote/, README "Remote repair"): the customer's consent, the IMEI vault and
 * remote sessions through the private tunnel (docs/remote-tunnel.md).
 *
 * - `remote_consents`: a customer's consent for one online software job and its assigned technician:
 *   the text version shown and its SHA-256, the permissions granted (`imei_reveal`,
 *   `remote_session`), the one service a session may reach, when, from which IP and device
 *   (fingerprint hashed), until when, and its revocation.
 * - `repair_job_imeis`: the job's IMEI, AES-256-GCM encrypted with the job id as associated data,
 *   under the key `key_id` (IMEI_VAULT_KEYS); `lookup_hash` is an HMAC-SHA256 of it (IMEI_INDEX_KEY)
 *   for equality lookups (the same device across jobs). No plaintext anywhere.
 * - `remote_sessions`: requested → approved → tokens_issued → connected → active → ended (the
 *   machine is src/remote/domain/remote-session-state.ts), one live session per job; its hard stop,
 *   and the relay's totals (bytes each way, reconnects, throttled time). Each move is a row of
 *   `remote_session_history` (append-only).
 * - `remote_agent_tokens`: every join token issued (its jti once), append-only.
 * - `remote_session_events`: the relay's reports (never payload), once per relay event id.
 * - `remote_session_activity`: what the customer's agent saw opened on the phone, append-only.
 * - `remote_revocations`: sessions ended early whose tokens the relays must refuse until the hard
 *   stop; `pushed_at` once every relay acknowledged the push.
 */
export class RemoteRepair1764690000000 implements MigrationInterface {
  name = 'RemoteRepair1764690000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE remote_consents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        customer_id uuid NOT NULL REFERENCES users(id),
        technician_id uuid NOT NULL REFERENCES users(id),
        text_version text NOT NULL,
        text_sha256 text NOT NULL CHECK (text_sha256 ~ '^[0-9a-f]{64}$'),
        permissions text[] NOT NULL
          CHECK (cardinality(permissions) > 0 AND permissions <@ ARRAY['imei_reveal','remote_session']),
        target text NOT NULL,
        accepted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        expires_at timestamptz NOT NULL,
        ip text NOT NULL,
        device_fingerprint text NOT NULL,
        revoked_at timestamptz,
        revoked_ip text,
        revoked_device_fingerprint text,
        CHECK (expires_at > accepted_at),
        CHECK ((revoked_at IS NULL) = (revoked_ip IS NULL))
      )`);
    await q.query(
      `CREATE INDEX remote_consents_job_idx ON remote_consents (repair_job_id, accepted_at DESC)`,
    );
    await q.query(`
      CREATE TABLE repair_job_imeis (
        repair_job_id uuid PRIMARY KEY REFERENCES repair_jobs(id),
        key_id text NOT NULL,
        iv bytea NOT NULL CHECK (length(iv) = 12),
        ciphertext bytea NOT NULL CHECK (length(ciphertext) = 15),
        auth_tag bytea NOT NULL CHECK (length(auth_tag) = 16),
        lookup_hash bytea NOT NULL CHECK (length(lookup_hash) = 32),
        recorded_by uuid NOT NULL REFERENCES users(id),
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        reencrypted_at timestamptz
      )`);
    await q.query(`CREATE INDEX repair_job_imeis_lookup_idx ON repair_job_imeis (lookup_hash)`);
    await q.query(`
      CREATE TABLE remote_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        consent_id uuid NOT NULL REFERENCES remote_consents(id),
        customer_id uuid NOT NULL REFERENCES users(id),
        technician_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL DEFAULT 'requested'
          CHECK (status IN ('requested','approved','tokens_issued','connected','active','ended')),
        target text NOT NULL,
        bandwidth_bps integer NOT NULL CHECK (bandwidth_bps > 0),
        requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        join_by timestamptz NOT NULL,
        approved_at timestamptz,
        hard_stop_at timestamptz,
        connected_at timestamptz,
        active_at timestamptz,
        ended_at timestamptz,
        end_reason text,
        ended_by uuid REFERENCES users(id),
        bytes_customer_to_technician bigint NOT NULL DEFAULT 0,
        bytes_technician_to_customer bigint NOT NULL DEFAULT 0,
        reconnects integer NOT NULL DEFAULT 0,
        throttled_ms bigint NOT NULL DEFAULT 0,
        CHECK ((status = 'ended') = (ended_at IS NOT NULL)),
        CHECK ((status = 'ended') = (end_reason IS NOT NULL)),
        CHECK (status IN ('requested','ended') OR (approved_at IS NOT NULL AND hard_stop_at IS NOT NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX remote_sessions_one_live_per_job_idx ON remote_sessions (repair_job_id)
         WHERE status <> 'ended'`,
    );
    await q.query(
      `CREATE INDEX remote_sessions_live_idx ON remote_sessions (hard_stop_at, join_by)
         WHERE status <> 'ended'`,
    );
    await q.query(
      `CREATE INDEX remote_sessions_recent_idx ON remote_sessions (requested_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE remote_session_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES remote_sessions(id),
        event text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        actor text NOT NULL CHECK (actor IN ('customer','technician','staff','relay','system')),
        actor_id uuid REFERENCES users(id),
        reason text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX remote_session_history_session_idx ON remote_session_history (session_id, id)`,
    );
    await makeAppendOnly(q, 'remote_session_history');
    await q.query(`
      CREATE TABLE remote_agent_tokens (
        jti text PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES remote_sessions(id),
        role text NOT NULL CHECK (role IN ('customer','technician')),
        user_id uuid NOT NULL REFERENCES users(id),
        device_id text NOT NULL,
        cert_fingerprint text NOT NULL CHECK (cert_fingerprint ~ '^[0-9a-f]{64}$'),
        issued_at timestamptz NOT NULL,
        join_by timestamptz NOT NULL,
        hard_stop_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX remote_agent_tokens_session_idx ON remote_agent_tokens (session_id, issued_at)`,
    );
    await makeAppendOnly(q, 'remote_agent_tokens');
    await q.query(`
      CREATE TABLE remote_session_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES remote_sessions(id),
        relay_id text NOT NULL,
        event_id text NOT NULL,
        type text NOT NULL
          CHECK (type IN ('agent_connected','paired','first_open','reconnected','ended')),
        role text CHECK (role IN ('customer','technician')),
        occurred_at timestamptz NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (relay_id, event_id)
      )`);
    await q.query(
      `CREATE INDEX remote_session_events_session_idx ON remote_session_events (session_id, occurred_at, id)`,
    );
    await makeAppendOnly(q, 'remote_session_events');
    await q.query(`
      CREATE TABLE remote_session_activity (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES remote_sessions(id),
        jti text NOT NULL REFERENCES remote_agent_tokens(jti),
        occurred_at timestamptz NOT NULL,
        -- What the agent made of it (\`shell\`, \`sync\`, \`install\`, …) and the service as opened.
        kind text,
        service text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX remote_session_activity_session_idx ON remote_session_activity (session_id, occurred_at, id)`,
    );
    await makeAppendOnly(q, 'remote_session_activity');
    await q.query(`
      CREATE TABLE remote_revocations (
        session_id uuid PRIMARY KEY REFERENCES remote_sessions(id),
        reason text NOT NULL,
        revoked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        hard_stop_at timestamptz NOT NULL,
        pushed_at timestamptz
      )`);
    await q.query(`CREATE INDEX remote_revocations_stop_idx ON remote_revocations (hard_stop_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'remote_revocations',
      'remote_session_activity',
      'remote_session_events',
      'remote_agent_tokens',
      'remote_session_history',
      'remote_sessions',
      'repair_job_imeis',
      'remote_consents',
    ])
      await q.query(`DROP TABLE ${table}`);
  }
}
