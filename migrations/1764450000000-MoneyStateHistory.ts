import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * History tables of the money objects moved onto the declared state machines (docs/state-machines.md):
 * every transition made through the common `transition()` writes one row, in its transaction.
 *
 * - `dispute_history`: a dispute's `respond` and `resolve` (status open, responded, resolved).
 * - `reconciliation_exception_history`: an exception's `clear` and `reopen` by a run, `resolve` by
 *   finance (status open, cleared, resolved; `run_id` is the run that moved it).
 * - `payment_alert_history`, `fraud_alert_history`: an alert's `assign` and `resolve` by staff,
 *   `auto_resolve` by the alert scan. These tables have no status column: the state is open (no
 *   owner), acknowledged (an owner) or resolved (`resolved_at`); `owner_id` is the owner after the
 *   transition.
 * - `webhook_inbox_history`: an inbox row's `process`, `defer`, `fail` and `reject` (status received,
 *   deferred, processed, failed, rejected), with the attempt it was.
 *
 * Each is append-only (triggers refuse UPDATE, DELETE and TRUNCATE; other roles lose those grants).
 * The rows written before this migration have no history: their current state is their start.
 */
export class MoneyStateHistory1764450000000 implements MigrationInterface {
  name = 'MoneyStateHistory1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dispute_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        dispute_id uuid NOT NULL REFERENCES disputes(id),
        event text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        actor_id uuid REFERENCES users(id),
        actor_role text NOT NULL,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX dispute_history_idx ON dispute_history (dispute_id, id)`);
    await q.query(`
      CREATE TABLE reconciliation_exception_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        exception_id uuid NOT NULL REFERENCES reconciliation_exceptions(id),
        event text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        run_id uuid REFERENCES reconciliation_runs(id),
        actor_id uuid REFERENCES users(id),
        actor_role text NOT NULL,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX reconciliation_exception_history_idx ON reconciliation_exception_history (exception_id, id)`,
    );
    for (const [table, parent] of [
      ['payment_alert_history', 'payment_alerts'],
      ['fraud_alert_history', 'fraud_alerts'],
    ] as const) {
      await q.query(`
        CREATE TABLE ${table} (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          alert_id uuid NOT NULL REFERENCES ${parent}(id),
          event text NOT NULL,
          from_status text NOT NULL CHECK (from_status IN ('open','acknowledged','resolved')),
          to_status text NOT NULL CHECK (to_status IN ('open','acknowledged','resolved')),
          owner_id uuid REFERENCES users(id),
          actor_id uuid REFERENCES users(id),
          actor_role text NOT NULL,
          reason text,
          created_at timestamptz NOT NULL DEFAULT now()
        )`);
      await q.query(`CREATE INDEX ${table}_idx ON ${table} (alert_id, id)`);
    }
    await q.query(`
      CREATE TABLE webhook_inbox_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id text NOT NULL REFERENCES webhook_inbox(event_id),
        event text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        attempt integer NOT NULL CHECK (attempt > 0),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_inbox_history_idx ON webhook_inbox_history (event_id, id)`);
    for (const table of HISTORY_TABLES) await makeAppendOnly(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${HISTORY_TABLES.join(', ')}`);
  }
}

const HISTORY_TABLES = [
  'dispute_history',
  'reconciliation_exception_history',
  'payment_alert_history',
  'fraud_alert_history',
  'webhook_inbox_history',
];
