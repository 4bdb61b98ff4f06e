import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts, sessions and refresh tokens, login throttling, approval history, and the append-only,
 * hash-chained audit log. Append-only tables get a trigger rejecting UPDATE/DELETE/TRUNCATE (for the owner
 * too) and lose UPDATE/DELETE/TRUNCATE for every other role that was granted them.
 */
export class IdentityAudit1764140000000 implements MigrationInterface {
  name = 'IdentityAudit1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS citext`);

    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        role text NOT NULL CHECK (role IN ('customer','business','dealer','technician','admin','finance','ops_leader','compliance')),
        status text NOT NULL CHECK (status IN ('pending','approved','suspended','blocked')),
        email citext UNIQUE,
        phone text UNIQUE CHECK (phone ~ '^\\+[1-9][0-9]{7,14}$'),
        password_hash text NOT NULL,
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
        business_name text,
        gstin text CHECK (gstin ~ '^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$'),
        pan text CHECK (pan ~ '^[A-Z]{5}[0-9]{4}[A-Z]$'),
        pickup_address jsonb,
        technician_kind text CHECK (technician_kind IN ('hardware','software')),
        skills text[] NOT NULL DEFAULT '{}',
        service_area geography(Point, 4326),
        service_radius_km numeric(6,2) CHECK (service_radius_km > 0),
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (email IS NOT NULL OR phone IS NOT NULL),
        CHECK (role <> 'business' OR (gstin IS NOT NULL AND business_name IS NOT NULL)),
        CHECK (role <> 'dealer' OR (gstin IS NOT NULL AND pan IS NOT NULL AND business_name IS NOT NULL AND pickup_address IS NOT NULL)),
        CHECK (role <> 'technician' OR (technician_kind IS NOT NULL AND service_area IS NOT NULL AND service_radius_km IS NOT NULL)),
        CHECK ((role = 'technician') = (technician_kind IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX users_pending_idx ON users (created_at, id) WHERE status = 'pending'`,
    );
    await q.query(`CREATE INDEX users_role_idx ON users (role, status)`);

    await q.query(`
      CREATE TABLE account_status_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id),
        from_status text,
        to_status text NOT NULL,
        reason text NOT NULL,
        actor_id uuid REFERENCES users(id),
        override boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX account_status_history_user_idx ON account_status_history (user_id, id)`,
    );

    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        device_fingerprint_hash text,
        ip inet,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES sessions(id),
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`);

    await q.query(`
      CREATE TABLE login_throttle (
        key text PRIMARY KEY,
        failures integer NOT NULL,
        first_failure_at timestamptz NOT NULL,
        last_failure_at timestamptz NOT NULL,
        locked_until timestamptz
      )`);

    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL,
        actor_id uuid,
        actor_role text,
        action text NOT NULL,
        target_type text,
        target_id text,
        reason text,
        before jsonb,
        after jsonb,
        override boolean NOT NULL DEFAULT false,
        request_id text,
        ip inet,
        device_fingerprint text,
        prev_hash text NOT NULL,
        hash text NOT NULL UNIQUE
      )`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq)`);
    await q.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, seq)`);
    await q.query(
      `CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id, seq)`,
    );
    await q.query(`CREATE INDEX audit_events_time_idx ON audit_events (occurred_at)`);

    await q.query(`
      CREATE FUNCTION reject_append_only_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'restrict_violation';
      END $$`);
    for (const table of ['audit_events', 'account_status_history']) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION reject_append_only_change()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change()`);
      await q.query(`
        DO $$
        DECLARE g record;
        BEGIN
          FOR g IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                   WHERE table_schema = 'public' AND table_name = '${table}'
                     AND privilege_type IN ('UPDATE','DELETE','TRUNCATE') AND grantee <> current_user
          LOOP
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM %I', g.grantee);
          END LOOP;
        END $$`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE audit_events, login_throttle, refresh_tokens, sessions, account_status_history, users`,
    );
    await q.query(`DROP FUNCTION reject_append_only_change()`);
  }
}
