import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * History tables of the last money objects moved onto the declared state machines
 * (docs/state-machines.md): every transition made through the common `transition()` writes one row,
 * in its transaction (in the same statement as the object's update where the path is hot).
 *
 * - `payment_history`: a payment's `open` (creating → created), `supersede`, `capture`, `fail`.
 * - `escrow_hold_history`: an escrow hold's `release` and `refund` (held → released | refunded).
 * - `escrow_transfer_history`: the Route transfer of a hold (`escrow_holds.transfer_status`: none,
 *   pending, on_hold, released, failed): `start`, `record`, `fail`, `release`, `retry` (staff).
 * - `refund_history`: a refund's `process`, `complete` and `fail` (requested, processing, processed,
 *   failed).
 * - `reconciliation_run_history`: a run's `start`, `complete`, `fail` and `abandon` (queued, running,
 *   completed, failed).
 * - `fraud_hold_history`: a held order's `clear` and `reject` by staff.
 *
 * Each row: event, from, to, the actor (`system`, `gateway`, `staff`), the staff member when one
 * acted (`actor_id`) and the reason or error. Each is append-only (triggers refuse UPDATE, DELETE and
 * TRUNCATE; other roles lose those grants). Rows written before this migration have no history:
 * their current state is their start.
 *
 * The compatibility view `dealer_route_accounts` (PayeeOnboarding1764440000000) goes: every reader
 * uses `payee_route_accounts` (payee_kind = 'dealer').
 */
export class MoneyObjectHistory1764470000000 implements MigrationInterface {
  name = 'MoneyObjectHistory1764470000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, column, parent] of HISTORY_TABLES) {
      await q.query(`
        CREATE TABLE ${table} (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          ${column} uuid NOT NULL REFERENCES ${parent},
          event text NOT NULL,
          from_status text NOT NULL,
          to_status text NOT NULL,
          actor text NOT NULL,
          actor_id uuid REFERENCES users(id),
          reason text,
          created_at timestamptz NOT NULL DEFAULT now()
        )`);
      await q.query(`CREATE INDEX ${table}_idx ON ${table} (${column}, id)`);
      await makeAppendOnly(q, table);
    }
    await q.query(`DROP VIEW dealer_route_accounts`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW dealer_route_accounts AS
      SELECT payee_id AS dealer_id, reference_id, status, gateway_account_id, attempts, last_error,
             activated_at, created_at, updated_at
      FROM payee_route_accounts WHERE payee_kind = 'dealer'`);
    await q.query(`DROP TABLE ${HISTORY_TABLES.map(([t]) => t).join(', ')}`);
  }
}

const HISTORY_TABLES = [
  ['payment_history', 'payment_id', 'payments(id)'],
  ['escrow_hold_history', 'hold_id', 'escrow_holds(id)'],
  ['escrow_transfer_history', 'hold_id', 'escrow_holds(id)'],
  ['refund_history', 'refund_id', 'refunds(id)'],
  ['reconciliation_run_history', 'run_id', 'reconciliation_runs(id)'],
  ['fraud_hold_history', 'order_id', 'fraud_order_holds(order_id)'],
] as const;
