import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The daily ledger-to-gateway reconciliation (src/payments/reconciliation/).
 *
 * - `reconciliation_runs`: one row per run over a business day (IST): queued → running →
 *   completed or failed, who asked for it (NULL: the daily schedule), the window examined, per
 *   category counts and totals on each side (`summary`), and how many exceptions it found. At most
 *   one run queued or running per day.
 * - `reconciliation_exceptions`: what did not match, at most one row per business day, kind and
 *   subject (a gateway id or a ledger entry key). A later run of the same day updates the rows it
 *   finds again and clears (`cleared`) the open ones it no longer finds; finance resolves the rest
 *   with a note (`resolved`, audited), and a resolved exception stays resolved when found again.
 * - Indexes on `ledger_entries (created_at)` and on the escrow holds with a transfer by
 *   `updated_at`: a run reads one day of postings and of holds that changed.
 */
export class Reconciliation1764330000000 implements MigrationInterface {
  name = 'Reconciliation1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ledger_entries_created_idx ON ledger_entries (created_at)`);
    await q.query(
      `CREATE INDEX escrow_holds_transfer_updated_idx ON escrow_holds (updated_at) WHERE transfer_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE reconciliation_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_date date NOT NULL,
        window_from timestamptz NOT NULL,
        window_to timestamptz NOT NULL CHECK (window_to > window_from),
        requested_by uuid REFERENCES users(id),
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued','running','completed','failed')),
        summary jsonb,
        exceptions_found integer CHECK (exceptions_found >= 0),
        error text CHECK (length(error) <= 2000),
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        CHECK ((status = 'completed') = (summary IS NOT NULL AND exceptions_found IS NOT NULL)),
        CHECK ((status = 'failed') = (error IS NOT NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX reconciliation_runs_active_idx ON reconciliation_runs (business_date)
         WHERE status IN ('queued','running')`,
    );
    await q.query(
      `CREATE INDEX reconciliation_runs_date_idx ON reconciliation_runs (business_date DESC, created_at DESC)`,
    );
    await q.query(`
      CREATE TABLE reconciliation_exceptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_date date NOT NULL,
        category text NOT NULL
          CHECK (category IN ('payments','refunds','transfers','settlements','payouts','other')),
        kind text NOT NULL CHECK (kind ~ '^[a-z_]{3,60}$'),
        subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
        gateway_paise bigint,
        ledger_paise bigint,
        order_id uuid REFERENCES orders(id),
        detail text NOT NULL CHECK (length(detail) BETWEEN 1 AND 1000),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','cleared','resolved')),
        first_run_id uuid NOT NULL REFERENCES reconciliation_runs(id),
        last_run_id uuid NOT NULL REFERENCES reconciliation_runs(id),
        cleared_at timestamptz,
        resolved_by uuid REFERENCES users(id),
        resolution text CHECK (length(resolution) BETWEEN 1 AND 2000),
        resolved_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (business_date, kind, subject),
        CHECK ((status = 'resolved') = (resolved_by IS NOT NULL AND resolution IS NOT NULL AND resolved_at IS NOT NULL)),
        CHECK ((status = 'cleared') = (cleared_at IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX reconciliation_exceptions_list_idx ON reconciliation_exceptions (created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX reconciliation_exceptions_open_idx ON reconciliation_exceptions (business_date) WHERE status = 'open'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reconciliation_exceptions, reconciliation_runs`);
    await q.query(`DROP INDEX escrow_holds_transfer_updated_idx, ledger_entries_created_idx`);
  }
}
