import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The double-entry ledger: accounts with four counters (the only mutable ledger state, guarded by
 * CHECKs for non-negativity and the balance-constraint flags), and the append-only journal (entries
 * and their lines). A pending entry is resolved (posted, voided or expired) at most once, enforced
 * by a partial unique index; an entry is reversed at most once. Journal tables reuse
 * `reject_append_only_change()` (IdentityAudit) and lose UPDATE/DELETE/TRUNCATE for other roles.
 */
export class Ledger1764150000000 implements MigrationInterface {
  name = 'Ledger1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_accounts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 200),
        type text NOT NULL CHECK (type IN ('asset','liability','equity','revenue','expense')),
        currency text NOT NULL DEFAULT 'INR' CHECK (currency = 'INR'),
        owner_ref text,
        debits_must_not_exceed_credits boolean NOT NULL DEFAULT false,
        credits_must_not_exceed_debits boolean NOT NULL DEFAULT false,
        debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
        credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
        debits_pending bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
        credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ledger_accounts_debits_within_credits CHECK (
          NOT debits_must_not_exceed_credits
          OR debits_posted::numeric + debits_pending <= credits_posted),
        CONSTRAINT ledger_accounts_credits_within_debits CHECK (
          NOT credits_must_not_exceed_debits
          OR credits_posted::numeric + credits_pending <= debits_posted)
      )`);

    await q.query(`
      CREATE TABLE ledger_entries (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('posted','pending','post_pending','void_pending','expire_pending')),
        event_type text NOT NULL,
        reference text NOT NULL,
        actor text NOT NULL,
        effective_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        metadata jsonb NOT NULL DEFAULT '{}',
        pending_id text REFERENCES ledger_entries(id),
        reversal_of text REFERENCES ledger_entries(id),
        timeout_seconds integer CHECK (timeout_seconds >= 0),
        timeout_at timestamptz,
        input_hash text NOT NULL,
        result jsonb NOT NULL,
        CHECK ((pending_id IS NOT NULL) = (kind IN ('post_pending','void_pending','expire_pending'))),
        CHECK (kind = 'pending' OR (timeout_seconds IS NULL AND timeout_at IS NULL)),
        CHECK (reversal_of IS NULL OR kind = 'posted')
      )`);
    // Each pending entry is resolved exactly once, whatever the resolution.
    await q.query(`
      CREATE UNIQUE INDEX ledger_entries_pending_resolved_once ON ledger_entries (pending_id)
      WHERE kind IN ('post_pending','void_pending','expire_pending')`);
    await q.query(`
      CREATE UNIQUE INDEX ledger_entries_reversed_once ON ledger_entries (reversal_of)
      WHERE reversal_of IS NOT NULL`);
    await q.query(`CREATE INDEX ledger_entries_reference_idx ON ledger_entries (reference, seq)`);
    await q.query(
      `CREATE INDEX ledger_entries_expiry_idx ON ledger_entries (timeout_at) WHERE kind = 'pending' AND timeout_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE ledger_lines (
        entry_id text NOT NULL REFERENCES ledger_entries(id),
        line_no smallint NOT NULL CHECK (line_no >= 0),
        account_id bigint NOT NULL REFERENCES ledger_accounts(id),
        side text NOT NULL CHECK (side IN ('debit','credit')),
        amount bigint NOT NULL CHECK (amount > 0),
        PRIMARY KEY (entry_id, line_no)
      )`);
    await q.query(`CREATE INDEX ledger_lines_account_idx ON ledger_lines (account_id, entry_id)`);

    for (const table of ['ledger_entries', 'ledger_lines']) {
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
    // Accounts are never deleted either (counters change, rows stay).
    await q.query(`
      DO $$
      DECLARE g record;
      BEGIN
        FOR g IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                 WHERE table_schema = 'public' AND table_name = 'ledger_accounts'
                   AND privilege_type IN ('DELETE','TRUNCATE') AND grantee <> current_user
        LOOP
          EXECUTE format('REVOKE DELETE, TRUNCATE ON ledger_accounts FROM %I', g.grantee);
        END LOOP;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger_lines, ledger_entries, ledger_accounts`);
  }
}
