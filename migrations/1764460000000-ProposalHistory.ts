import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * History of the maker-checker proposals (src/approvals, docs/state-machines.md "Proposals"): ledger
 * adjustments, early releases of escrow and TCS corrections each get their own append-only history
 * table of the same shape, written by the proposal machine's `transition()`:
 *
 * - `event`: `propose` (the row's creation: `from_status` NULL; an early release released at once is
 *   created `released`), `approve` or `reject`;
 * - `actor`: `maker` (the proposer: proposing, withdrawing), `checker` (another staff member) or
 *   `override` (the proposer approving as an ops leader's override, early releases only).
 *
 * Rows that exist already are back-filled from their own columns: the proposal at `proposed_at` by
 * its proposer, the decision (if any) at `decided_at` by its decider. An early release decided in
 * its request's transaction (`decided_at = requested_at`: released at once) has one row.
 */
const TABLES = [
  {
    history: 'ledger_adjustment_history',
    key: 'adjustment_id',
    table: 'ledger_adjustments',
    at: 'proposed_at',
    by: 'proposed_by',
  },
  {
    history: 'escrow_early_release_history',
    key: 'early_release_id',
    table: 'escrow_early_releases',
    at: 'requested_at',
    by: 'requested_by',
  },
  {
    history: 'tcs_correction_history',
    key: 'correction_id',
    table: 'tcs_corrections',
    at: 'proposed_at',
    by: 'proposed_by',
  },
] as const;

export class ProposalHistory1764460000000 implements MigrationInterface {
  name = 'ProposalHistory1764460000000';

  async up(q: QueryRunner): Promise<void> {
    for (const t of TABLES) {
      await q.query(`
        CREATE TABLE ${t.history} (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          ${t.key} uuid NOT NULL REFERENCES ${t.table}(id),
          event text NOT NULL CHECK (event IN ('propose','approve','reject')),
          from_status text,
          to_status text NOT NULL,
          actor text NOT NULL CHECK (actor IN ('maker','checker','override')),
          actor_id uuid NOT NULL REFERENCES users(id),
          reason text,
          created_at timestamptz NOT NULL DEFAULT now(),
          CHECK ((event = 'propose') = (from_status IS NULL))
        )`);
      await q.query(`CREATE INDEX ${t.history}_idx ON ${t.history} (${t.key}, id)`);
      const pending = t.table === 'escrow_early_releases' ? 'pending' : 'proposed';
      const decidedAtOnce =
        t.table === 'escrow_early_releases' ? `p.decided_at = p.requested_at` : 'false';
      await q.query(`
        INSERT INTO ${t.history} (${t.key}, event, from_status, to_status, actor, actor_id, reason, created_at)
        SELECT id, event, from_status, to_status, actor, actor_id, reason, created_at FROM (
          SELECT p.id, 'propose' AS event, NULL AS from_status,
                 CASE WHEN ${decidedAtOnce} THEN p.status ELSE '${pending}' END AS to_status,
                 'maker' AS actor, p.${t.by} AS actor_id, p.reason, p.${t.at} AS created_at, 0 AS step
          FROM ${t.table} p
          UNION ALL
          SELECT p.id, CASE WHEN p.status = 'rejected' THEN 'reject' ELSE 'approve' END,
                 '${pending}', p.status,
                 CASE WHEN p.decided_by <> p.${t.by} THEN 'checker'
                      WHEN p.status = 'rejected' THEN 'maker' ELSE 'override' END,
                 p.decided_by, p.decision_reason, p.decided_at, 1
          FROM ${t.table} p
          WHERE p.status <> '${pending}' AND NOT (${decidedAtOnce})
        ) h ORDER BY created_at, id, step`);
      await makeAppendOnly(q, t.history);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${TABLES.map((t) => t.history).join(', ')}`);
  }
}
