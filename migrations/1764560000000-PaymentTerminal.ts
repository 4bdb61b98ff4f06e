import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * The technician's payment terminal (src/payments/terminal/): a Payment Link or a single-use UPI QR
 * code for exactly a repair job's approved amount, bound to the job's payment (`payments`), paid to
 * the platform's account and captured into the job's escrow like any other payment.
 *
 * - `payment_requests`: one row per link or QR code asked for. `creating` (the intent, before the
 *   gateway call) → `open` (the gateway object recorded: `gateway_id`, `url`) → `paid` (its payment
 *   captured: `gateway_payment_id`), `cancelled` (by the technician, the customer, the job paid
 *   otherwise, or at the gateway), `expired` (past `expires_at`, or at the gateway) or `failed` (the
 *   gateway refused to create it). `reference_id` is the link's reference at Razorpay (unique
 *   there), so a create whose answer was lost is found again. At most one request per job is
 *   creating or open; `gateway_closed` says the gateway object is closed too (a request closed on
 *   our side is cancelled at the gateway by the `payments.terminal-close` job).
 * - `payment_request_history`: each move (event, from, to, actor, reason), append-only, the shape of
 *   the money objects' histories (MoneyObjectHistory1764470000000).
 */
export class PaymentTerminal1764560000000 implements MigrationInterface {
  name = 'PaymentTerminal1764560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        payment_id uuid NOT NULL REFERENCES payments(id),
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        technician_id uuid NOT NULL REFERENCES users(id),
        method text NOT NULL CHECK (method IN ('link','qr')),
        status text NOT NULL DEFAULT 'creating'
          CHECK (status IN ('creating','open','paid','cancelled','expired','failed')),
        amount_paise bigint NOT NULL CHECK (amount_paise >= 100),
        reference_id text NOT NULL UNIQUE,
        gateway_id text UNIQUE,
        url text,
        gateway_payment_id text UNIQUE,
        gateway_closed boolean NOT NULL DEFAULT false,
        expires_at timestamptz NOT NULL,
        close_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status NOT IN ('open','paid') OR gateway_id IS NOT NULL),
        CHECK ((status = 'paid') = (gateway_payment_id IS NOT NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX payment_requests_open_idx ON payment_requests (repair_job_id)
         WHERE status IN ('creating','open')`,
    );
    await q.query(
      `CREATE INDEX payment_requests_job_idx ON payment_requests (repair_job_id, created_at)`,
    );
    await q.query(`CREATE INDEX payment_requests_payment_idx ON payment_requests (payment_id)`);
    await q.query(
      `CREATE INDEX payment_requests_to_close_idx ON payment_requests (updated_at)
         WHERE status IN ('cancelled','expired') AND NOT gateway_closed`,
    );
    await q.query(`
      CREATE TABLE payment_request_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id uuid NOT NULL REFERENCES payment_requests(id),
        event text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        actor text NOT NULL,
        actor_id uuid REFERENCES users(id),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX payment_request_history_idx ON payment_request_history (request_id, id)`,
    );
    await makeAppendOnly(q, 'payment_request_history');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE payment_request_history, payment_requests`);
  }
}
