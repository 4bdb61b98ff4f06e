import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * One money core for every payable (issue #14): a payment pays a *payable* (a parts order or a
 * repair job) and each escrow hold is an *obligation* toward a *payee* (a dealer or a technician).
 * Exclusive-arc foreign keys, so the SQL of the modules that read these tables by `order_id`,
 * `sub_order_id` and `dealer_id` keeps working unchanged; every existing row keeps every value.
 *
 * - `repair_jobs` (src/repairs/, the skeleton the repair-services issue extends): a customer's job
 *   for a technician at an accepted amount; status awaiting_payment → paid → completed, or
 *   cancelled (src/repairs/domain/repair-job-state.ts), each transition in `repair_job_history`.
 * - `payments`: `order_id` or `repair_job_id`, exactly one; `payable_type` (generated) names which;
 *   at most one open payment per repair job, as per order.
 * - `escrow_holds`: a surrogate `id` primary key; the obligation is a sub-order (`sub_order_id`,
 *   with its `order_id`) or a repair job (`repair_job_id`), exactly one, each at most once; the payee
 *   is `payee_type` + `payee_id`, and `dealer_id` (= `payee_id`) stays set for exactly the dealer
 *   holds (so Route transfers, which join dealers' linked accounts on it, never see a technician's).
 * - `commission_rules.category` may be `repair_service`: a rule for repair jobs (parts categories
 *   apply to parts only).
 *
 * `down` undoes it while no repair job exists.
 */
export class GenericPayables1764430000000 implements MigrationInterface {
  name = 'GenericPayables1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repair_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES users(id),
        technician_id uuid REFERENCES users(id),
        kind text NOT NULL CHECK (kind IN ('hardware','software')),
        status text NOT NULL DEFAULT 'awaiting_payment'
          CHECK (status IN ('awaiting_payment','paid','completed','cancelled')),
        -- The accepted quote, GST included when the technician is registered.
        amount_paise bigint NOT NULL CHECK (amount_paise > 0),
        -- The gateway payment that paid it (a second capture is a duplicate).
        payment_reference text,
        paid_at timestamptz,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status = 'awaiting_payment' OR status = 'cancelled' OR technician_id IS NOT NULL),
        CHECK ((paid_at IS NULL) = (payment_reference IS NULL))
      )`);
    await q.query(`CREATE INDEX repair_jobs_customer_idx ON repair_jobs (customer_id, created_at)`);
    await q.query(`CREATE INDEX repair_jobs_status_idx ON repair_jobs (status, updated_at)`);
    await q.query(`
      CREATE TABLE repair_job_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        event text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        actor_id uuid REFERENCES users(id),
        actor_role text NOT NULL,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX repair_job_history_job_idx ON repair_job_history (repair_job_id, id)`,
    );
    await makeAppendOnly(q, 'repair_job_history');

    await q.query(`
      ALTER TABLE payments
        ALTER COLUMN order_id DROP NOT NULL,
        ADD COLUMN repair_job_id uuid REFERENCES repair_jobs(id),
        ADD COLUMN payable_type text NOT NULL GENERATED ALWAYS AS
          (CASE WHEN order_id IS NOT NULL THEN 'order' ELSE 'repair_job' END) STORED,
        ADD CONSTRAINT payments_one_payable_check CHECK (num_nonnulls(order_id, repair_job_id) = 1)`);
    await q.query(
      `CREATE UNIQUE INDEX payments_open_repair_job_idx ON payments (repair_job_id)
         WHERE repair_job_id IS NOT NULL AND status IN ('creating','created','authorized')`,
    );
    await q.query(
      `CREATE INDEX payments_repair_job_idx ON payments (repair_job_id, created_at) WHERE repair_job_id IS NOT NULL`,
    );

    // The staff controls' tables point at holds by sub-order: re-pointed at the new UNIQUE key.
    await q.query(
      `ALTER TABLE escrow_manual_holds DROP CONSTRAINT escrow_manual_holds_sub_order_id_fkey`,
    );
    await q.query(
      `ALTER TABLE escrow_early_releases DROP CONSTRAINT escrow_early_releases_sub_order_id_fkey`,
    );
    await q.query(`
      ALTER TABLE escrow_holds
        ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid(),
        DROP CONSTRAINT escrow_holds_pkey,
        ADD CONSTRAINT escrow_holds_pkey PRIMARY KEY (id),
        ADD CONSTRAINT escrow_holds_sub_order_id_key UNIQUE (sub_order_id),
        ALTER COLUMN sub_order_id DROP NOT NULL,
        ALTER COLUMN order_id DROP NOT NULL,
        ALTER COLUMN dealer_id DROP NOT NULL,
        ADD COLUMN repair_job_id uuid UNIQUE REFERENCES repair_jobs(id),
        ADD COLUMN payee_type text CHECK (payee_type IN ('dealer','technician')),
        ADD COLUMN payee_id uuid REFERENCES users(id)`);
    await this.pointControlsAtHolds(q);
    await q.query(`UPDATE escrow_holds SET payee_type = 'dealer', payee_id = dealer_id`);
    await q.query(`
      ALTER TABLE escrow_holds
        ALTER COLUMN payee_type SET NOT NULL,
        ALTER COLUMN payee_id SET NOT NULL,
        ADD CONSTRAINT escrow_holds_one_obligation_check
          CHECK (num_nonnulls(sub_order_id, repair_job_id) = 1),
        ADD CONSTRAINT escrow_holds_order_check CHECK ((sub_order_id IS NULL) = (order_id IS NULL)),
        ADD CONSTRAINT escrow_holds_sub_order_payee_check
          CHECK (sub_order_id IS NULL OR payee_type = 'dealer'),
        ADD CONSTRAINT escrow_holds_dealer_check CHECK (
          CASE payee_type WHEN 'dealer' THEN dealer_id IS NOT NULL AND dealer_id = payee_id
                          ELSE dealer_id IS NULL END)`);
    await q.query(
      `CREATE INDEX escrow_holds_payee_idx ON escrow_holds (payee_type, payee_id, status)`,
    );

    await q.query(`
      ALTER TABLE commission_rules DROP CONSTRAINT commission_rules_category_check,
        ADD CONSTRAINT commission_rules_category_check CHECK (category IN ('display','battery',
          'charging_port','camera','back_panel','speaker','microphone','ic','flex_cable','housing',
          'button','sim_tray','vibrator','tool','other','repair_service'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE commission_rules DROP CONSTRAINT commission_rules_category_check,
        ADD CONSTRAINT commission_rules_category_check CHECK (category IN ('display','battery',
          'charging_port','camera','back_panel','speaker','microphone','ic','flex_cable','housing',
          'button','sim_tray','vibrator','tool','other'))`);
    await q.query(`DROP INDEX escrow_holds_payee_idx`);
    await q.query(`
      ALTER TABLE escrow_holds
        DROP CONSTRAINT escrow_holds_dealer_check,
        DROP CONSTRAINT escrow_holds_sub_order_payee_check,
        DROP CONSTRAINT escrow_holds_order_check,
        DROP CONSTRAINT escrow_holds_one_obligation_check,
        DROP COLUMN payee_id, DROP COLUMN payee_type, DROP COLUMN repair_job_id,
        ALTER COLUMN dealer_id SET NOT NULL,
        ALTER COLUMN order_id SET NOT NULL,
        ALTER COLUMN sub_order_id SET NOT NULL`);
    await q.query(
      `ALTER TABLE escrow_manual_holds DROP CONSTRAINT escrow_manual_holds_sub_order_id_fkey`,
    );
    await q.query(
      `ALTER TABLE escrow_early_releases DROP CONSTRAINT escrow_early_releases_sub_order_id_fkey`,
    );
    await q.query(`
      ALTER TABLE escrow_holds DROP CONSTRAINT escrow_holds_pkey, DROP COLUMN id,
        DROP CONSTRAINT escrow_holds_sub_order_id_key,
        ADD CONSTRAINT escrow_holds_pkey PRIMARY KEY (sub_order_id)`);
    await this.pointControlsAtHolds(q);
    await q.query(`DROP INDEX payments_repair_job_idx, payments_open_repair_job_idx`);
    await q.query(`
      ALTER TABLE payments DROP CONSTRAINT payments_one_payable_check,
        DROP COLUMN payable_type, DROP COLUMN repair_job_id,
        ALTER COLUMN order_id SET NOT NULL`);
    await q.query(`DROP TABLE repair_job_history, repair_jobs`);
  }

  /** The manual holds' and early releases' foreign keys to the holds, by sub-order. */
  private async pointControlsAtHolds(q: QueryRunner): Promise<void> {
    for (const table of ['escrow_manual_holds', 'escrow_early_releases'])
      await q.query(`
        ALTER TABLE ${table} ADD CONSTRAINT ${table}_sub_order_id_fkey
          FOREIGN KEY (sub_order_id) REFERENCES escrow_holds(sub_order_id)`);
  }
}
