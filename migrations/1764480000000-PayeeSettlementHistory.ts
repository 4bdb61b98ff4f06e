import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * History of payees' settlement-details changes (`payee_settlement_details`), now maker-checker
 * proposals (src/approvals, docs/state-machines.md "Proposals"): the payee is the maker, staff the
 * checker. `payee_settlement_detail_history` has the shape of the other proposals' history tables
 * (ProposalHistory1764460000000) plus the `supersede` event: a payee's newer submission moves its
 * waiting change `pending` → `superseded` (actor `maker`, the reason naming the newer change).
 *
 * Rows that exist already are back-filled from their own columns: the submission at `submitted_at`
 * by the payee; an approval or rejection at `reviewed_at` by its reviewer (always another person:
 * the table's check); a superseded change at the submission of the payee's next change.
 */
export class PayeeSettlementHistory1764480000000 implements MigrationInterface {
  name = 'PayeeSettlementHistory1764480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payee_settlement_detail_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        change_id uuid NOT NULL REFERENCES payee_settlement_details(id),
        event text NOT NULL CHECK (event IN ('propose','approve','reject','supersede')),
        from_status text,
        to_status text NOT NULL,
        actor text NOT NULL CHECK (actor IN ('maker','checker')),
        actor_id uuid NOT NULL REFERENCES users(id),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((event = 'propose') = (from_status IS NULL))
      )`);
    await q.query(`
      CREATE INDEX payee_settlement_detail_history_idx
        ON payee_settlement_detail_history (change_id, id)`);
    await q.query(`
      INSERT INTO payee_settlement_detail_history
        (change_id, event, from_status, to_status, actor, actor_id, reason, created_at)
      SELECT id, event, from_status, to_status, actor, actor_id, reason, created_at FROM (
        SELECT p.id, 'propose' AS event, NULL AS from_status, 'pending' AS to_status,
               'maker' AS actor, p.submitted_by AS actor_id, NULL AS reason,
               p.submitted_at AS created_at, 0 AS step
        FROM payee_settlement_details p
        UNION ALL
        SELECT p.id, CASE WHEN p.review_status = 'approved' THEN 'approve' ELSE 'reject' END,
               'pending', p.review_status, 'checker', p.reviewed_by, p.review_reason, p.reviewed_at, 1
        FROM payee_settlement_details p
        WHERE p.review_status IN ('approved','rejected')
        UNION ALL
        SELECT p.id, 'supersede', 'pending', 'superseded', 'maker', p.submitted_by,
               'superseded by change ' || n.id, coalesce(n.submitted_at, p.submitted_at), 1
        FROM payee_settlement_details p
        LEFT JOIN LATERAL (
          SELECT n.id, n.submitted_at FROM payee_settlement_details n
          WHERE n.payee_id = p.payee_id AND (n.submitted_at, n.id) > (p.submitted_at, p.id)
          ORDER BY n.submitted_at, n.id LIMIT 1
        ) n ON true
        WHERE p.review_status = 'superseded'
      ) h ORDER BY created_at, id, step`);
    await makeAppendOnly(q, 'payee_settlement_detail_history');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE payee_settlement_detail_history`);
  }
}
