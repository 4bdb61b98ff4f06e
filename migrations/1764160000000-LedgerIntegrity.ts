import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Ledger, part 2: tamper evidence, hot accounts, statements and maker-checker adjustments.
 *
 * - Every entry stores `hash` (SHA-256 of its canonical content and lines, computed by the writer)
 *   and `xid`, the id of the transaction that wrote it. Seals chain entries in batches: a seal covers
 *   every entry written by a transaction with `xid_from <= xid < xid_to`, where `xid_to` is the
 *   oldest transaction still running when the seal was made — a set that can no longer change, found
 *   without any lock on the write path. Seals and their member lists are append-only.
 * - Accounts without a balance floor ("hot": revenue, tax, gateway…) are not locked or updated by
 *   postings: their counter changes are appended to `ledger_balance_deltas` and rolled up into the
 *   account row later. A balance is the row plus its unrolled deltas.
 * - Lines carry their entry's `seq`, so statements page and run balances on one index.
 * - `ledger_adjustments`: proposals of manual entries awaiting a second finance user.
 *
 * The journal must be empty (no feature posted before this migration): entry hashes cannot be
 * back-filled from SQL.
 */
export class LedgerIntegrity1764160000000 implements MigrationInterface {
  name = 'LedgerIntegrity1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM ledger_entries) THEN
          RAISE EXCEPTION 'LedgerIntegrity needs an empty journal: entry hashes cannot be back-filled';
        END IF;
      END $$`);

    await q.query(`
      ALTER TABLE ledger_entries
        ADD COLUMN hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    await q.query(`CREATE INDEX ledger_entries_xid_idx ON ledger_entries (xid, seq)`);
    await q.query(`CREATE INDEX ledger_entries_event_type_idx ON ledger_entries (event_type, seq)`);
    await q.query(
      `CREATE INDEX ledger_entries_effective_idx ON ledger_entries (effective_at, seq)`,
    );

    await q.query(`ALTER TABLE ledger_lines ADD COLUMN entry_seq bigint NOT NULL`);
    await q.query(`DROP INDEX ledger_lines_account_idx`);
    await q.query(
      `CREATE INDEX ledger_lines_account_seq_idx ON ledger_lines (account_id, entry_seq, line_no)`,
    );

    await q.query(`
      CREATE TABLE ledger_balance_deltas (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id bigint NOT NULL REFERENCES ledger_accounts(id),
        debits_posted bigint NOT NULL,
        credits_posted bigint NOT NULL,
        debits_pending bigint NOT NULL,
        credits_pending bigint NOT NULL
      )`);
    await q.query(
      `CREATE INDEX ledger_balance_deltas_account_idx ON ledger_balance_deltas (account_id)`,
    );

    await q.query(`
      CREATE TABLE ledger_seals (
        seal_no bigint PRIMARY KEY CHECK (seal_no >= 1),
        xid_from xid8 NOT NULL,
        xid_to xid8 NOT NULL,
        entries_count integer NOT NULL CHECK (entries_count >= 0),
        prev_hash text NOT NULL,
        hash text NOT NULL,
        signature text NOT NULL,
        key_id text NOT NULL,
        public_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ledger_seal_entries (
        seal_no bigint NOT NULL REFERENCES ledger_seals(seal_no),
        position integer NOT NULL CHECK (position >= 0),
        entry_id text NOT NULL UNIQUE,
        entry_seq bigint NOT NULL,
        entry_hash text NOT NULL,
        PRIMARY KEY (seal_no, position)
      )`);

    await q.query(`
      CREATE TABLE ledger_adjustments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed','approved','rejected')),
        reason text NOT NULL CHECK (length(reason) BETWEEN 10 AND 1000),
        reference text NOT NULL,
        lines jsonb NOT NULL,
        proposed_by uuid NOT NULL REFERENCES users(id),
        proposed_at timestamptz NOT NULL DEFAULT now(),
        decided_by uuid REFERENCES users(id),
        decided_at timestamptz,
        decision_reason text,
        entry_id text REFERENCES ledger_entries(id),
        CHECK ((status = 'proposed') = (decided_by IS NULL)),
        CHECK (decided_by IS NULL OR status = 'rejected' OR decided_by <> proposed_by),
        CHECK ((status = 'approved') = (entry_id IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX ledger_adjustments_status_idx ON ledger_adjustments (status, proposed_at, id)`,
    );

    for (const table of ['ledger_seals', 'ledger_seal_entries']) {
      await makeAppendOnly(q, table);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE ledger_adjustments, ledger_seal_entries, ledger_seals, ledger_balance_deltas`,
    );
    await q.query(`DROP INDEX ledger_lines_account_seq_idx`);
    await q.query(`ALTER TABLE ledger_lines DROP COLUMN entry_seq`);
    await q.query(`CREATE INDEX ledger_lines_account_idx ON ledger_lines (account_id, entry_id)`);
    await q.query(`
      DROP INDEX ledger_entries_xid_idx, ledger_entries_event_type_idx, ledger_entries_effective_idx`);
    await q.query(`ALTER TABLE ledger_entries DROP COLUMN hash, DROP COLUMN xid`);
  }
}
