import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Carts, checkout and orders of the parts marketplace.
 *
 * - `idempotency_keys`: a POST's `Idempotency-Key` per caller and scope, the hash of its request and
 *   the response, stored in the transaction of the effect (same key + same body → same response).
 * - `cart_items`: one cart per buyer, any number of dealers.
 * - `delivery_rules`: the admin-configured delivery charge per channel (flat per sub-order, free
 *   from an item subtotal on), snapshotted on each sub-order at checkout.
 * - `orders` → `sub_orders` (one per dealer, shipped and tracked separately) → `order_lines`
 *   (the price, tax and listing snapshot; immutable). `sub_order_history` records every transition.
 * - Stock: a sub-order awaiting payment holds its lines' quantities in `listings.stock_reserved`
 *   until payment (sold: on hand and reserved both drop) or cancellation/expiry (released).
 *   Cancelling a paid, unshipped sub-order restocks (`restock` movement).
 */
export class Orders1764200000000 implements MigrationInterface {
  name = 'Orders1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        owner_id uuid NOT NULL REFERENCES users(id),
        scope text NOT NULL,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
        request_hash text NOT NULL,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner_id, scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);

    await q.query(`
      CREATE TABLE cart_items (
        buyer_id uuid NOT NULL REFERENCES users(id),
        listing_id uuid NOT NULL REFERENCES listings(id),
        quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
        added_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (buyer_id, listing_id)
      )`);
    await q.query(`CREATE INDEX cart_items_listing_idx ON cart_items (listing_id)`);

    await q.query(`
      CREATE TABLE delivery_rules (
        channel text PRIMARY KEY CHECK (channel IN ('b2b','b2c')),
        flat_fee_paise bigint NOT NULL CHECK (flat_fee_paise BETWEEN 0 AND 10000000),
        -- A sub-order whose item subtotal reaches this ships free; NULL = never free.
        free_from_paise bigint CHECK (free_from_paise > 0),
        updated_by uuid REFERENCES users(id),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO delivery_rules (channel, flat_fee_paise, free_from_paise) VALUES
        ('b2c', 4900, 99900),
        ('b2b', 15000, 2500000)`);

    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        buyer_id uuid NOT NULL REFERENCES users(id),
        buyer_role text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('b2b','b2c')),
        buyer_gstin text,
        buyer_business_name text,
        shipping_address jsonb NOT NULL,
        items_paise bigint NOT NULL CHECK (items_paise > 0),
        delivery_paise bigint NOT NULL CHECK (delivery_paise >= 0),
        total_paise bigint NOT NULL CHECK (total_paise = items_paise + delivery_paise),
        minimum_order_paise bigint NOT NULL,
        -- awaiting_payment → paid, or expired / cancelled (nothing left to pay).
        payment_status text NOT NULL DEFAULT 'awaiting_payment'
          CHECK (payment_status IN ('awaiting_payment','paid','expired','cancelled')),
        reservation_expires_at timestamptz NOT NULL,
        paid_at timestamptz,
        payment_reference text,
        -- The checkout's Idempotency-Key (informational: idempotency_keys enforces it while kept).
        idempotency_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (channel <> 'b2b' OR buyer_gstin IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX orders_buyer_idx ON orders (buyer_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX orders_expiry_idx ON orders (reservation_expires_at) WHERE payment_status = 'awaiting_payment'`,
    );

    await q.query(`
      CREATE TABLE sub_orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL REFERENCES orders(id),
        dealer_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL DEFAULT 'awaiting_payment' CHECK (status IN ('awaiting_payment','paid',
          'accepted','packed','shipped','delivered','completed','cancelled','return_requested','disputed')),
        dealer_gstin text NOT NULL,
        -- B2B: intra-state supply (CGST + SGST) or inter-state (IGST), from the two GSTINs' state codes.
        supply text CHECK (supply IN ('intra_state','inter_state')),
        items_paise bigint NOT NULL CHECK (items_paise > 0),
        delivery_paise bigint NOT NULL CHECK (delivery_paise >= 0),
        total_paise bigint NOT NULL CHECK (total_paise = items_paise + delivery_paise),
        tax_paise bigint NOT NULL CHECK (tax_paise >= 0),
        carrier text,
        tracking_number text,
        cancelled_by text CHECK (cancelled_by IN ('buyer','dealer','admin','system')),
        cancel_reason text,
        shipped_at timestamptz,
        delivered_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (order_id, dealer_id),
        CHECK ((status = 'cancelled') = (cancelled_by IS NOT NULL)),
        CHECK (status NOT IN ('shipped','delivered','completed') OR (carrier IS NOT NULL AND tracking_number IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX sub_orders_order_idx ON sub_orders (order_id)`);
    await q.query(
      `CREATE INDEX sub_orders_dealer_idx ON sub_orders (dealer_id, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX sub_orders_status_idx ON sub_orders (status, created_at DESC)`);
    await q.query(
      `CREATE INDEX sub_orders_delivered_idx ON sub_orders (delivered_at) WHERE status = 'delivered'`,
    );

    await q.query(`
      CREATE TABLE order_lines (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sub_order_id uuid NOT NULL REFERENCES sub_orders(id),
        line_no integer NOT NULL CHECK (line_no >= 1),
        listing_id uuid NOT NULL REFERENCES listings(id),
        sku text NOT NULL,
        name text NOT NULL,
        brand text NOT NULL,
        condition text NOT NULL,
        hsn_code text NOT NULL,
        gst_rate_bps integer NOT NULL,
        mrp_paise bigint NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price_paise bigint NOT NULL CHECK (unit_price_paise > 0),
        line_total_paise bigint NOT NULL CHECK (line_total_paise = unit_price_paise * quantity),
        taxable_value_paise bigint NOT NULL CHECK (taxable_value_paise >= 0),
        cgst_paise bigint NOT NULL CHECK (cgst_paise >= 0),
        sgst_paise bigint NOT NULL CHECK (sgst_paise >= 0),
        igst_paise bigint NOT NULL CHECK (igst_paise >= 0),
        UNIQUE (sub_order_id, line_no),
        CHECK (taxable_value_paise + cgst_paise + sgst_paise + igst_paise = line_total_paise)
      )`);
    await q.query(`CREATE INDEX order_lines_listing_idx ON order_lines (listing_id)`);

    await q.query(`
      CREATE TABLE sub_order_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sub_order_id uuid NOT NULL REFERENCES sub_orders(id),
        event text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        actor_id uuid REFERENCES users(id),
        actor_role text NOT NULL,
        reason text,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sub_order_history_idx ON sub_order_history (sub_order_id, id)`);

    for (const table of ['order_lines', 'sub_order_history']) await makeAppendOnly(q, table);

    // Stock on hand stays within what the API accepts (10,000,000), so restocks and adjustments
    // cannot overflow the integer column.
    await q.query(
      `ALTER TABLE listings ADD CONSTRAINT listings_stock_cap CHECK (stock_on_hand <= 10000000)`,
    );
    // Selling and restocking are stock movements too.
    await q.query(`ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_kind_check`);
    await q.query(`ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_kind_check
      CHECK (kind IN ('set','adjust','reserve','release','sell','restock'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE listings DROP CONSTRAINT listings_stock_cap`);
    await q.query(`ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_kind_check`);
    await q.query(`ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_kind_check
      CHECK (kind IN ('set','adjust','reserve','release','sell'))`);
    await q.query(
      `DROP TABLE sub_order_history, order_lines, sub_orders, orders, delivery_rules, cart_items, idempotency_keys`,
    );
  }
}
