import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * The parts catalog: dealers' listings with MRP, B2C and B2B prices (integer paise, GST-inclusive),
 * optional B2B minimum quantity and quantity tiers, stock, moderation state, price changes held for
 * review, and append-only histories of status changes, prices and stock movements.
 *
 * Stock: `stock_on_hand` is what the dealer holds; `stock_reserved` is held by unpaid checkouts;
 * available = on hand − reserved, never negative (CHECK). Every change is a stock movement row.
 * Search: `search_text` (name, brand, compatible models, category, SKU; lower-case, written by the
 * application) feeds a generated tsvector (full text) and a trigram index (typos: "displya").
 */
export class Catalog1764190000000 implements MigrationInterface {
  name = 'Catalog1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE listings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dealer_id uuid NOT NULL REFERENCES users(id),
        sku text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 3 AND 200),
        category text NOT NULL CHECK (category IN ('display','battery','charging_port','camera',
          'back_panel','speaker','microphone','ic','flex_cable','housing','button','sim_tray',
          'vibrator','tool','other')),
        brand text NOT NULL CHECK (length(brand) BETWEEN 1 AND 60),
        compatible_models text[] NOT NULL CHECK (cardinality(compatible_models) BETWEEN 1 AND 100),
        condition text NOT NULL CHECK (condition IN ('new','oem','refurbished')),
        hsn_code text NOT NULL CHECK (hsn_code ~ '^[0-9]{4}([0-9]{2}){0,2}$'),
        gst_rate_bps integer NOT NULL CHECK (gst_rate_bps IN (0, 500, 1200, 1800, 2800)),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
        mrp_paise bigint NOT NULL CHECK (mrp_paise > 0),
        b2c_price_paise bigint NOT NULL CHECK (b2c_price_paise > 0),
        b2b_price_paise bigint NOT NULL CHECK (b2b_price_paise > 0),
        b2b_min_qty integer CHECK (b2b_min_qty >= 1),
        b2b_tiers jsonb NOT NULL DEFAULT '[]',
        stock_on_hand integer NOT NULL DEFAULT 0 CHECK (stock_on_hand >= 0),
        stock_reserved integer NOT NULL DEFAULT 0 CHECK (stock_reserved >= 0),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft','in_review','active','paused','removed')),
        -- Who paused it: a dealer may resume its own pause, only admin lifts an admin pause.
        paused_by text CHECK (paused_by IN ('dealer','admin')),
        status_reason text,
        -- A price change beyond the allowed jump, waiting for admin review (the live prices stay).
        pending_price jsonb,
        duplicate_of uuid REFERENCES listings(id),
        search_text text NOT NULL,
        search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (dealer_id, sku),
        CHECK (b2c_price_paise <= mrp_paise),
        CHECK (b2b_price_paise <= b2c_price_paise),
        CHECK (stock_reserved <= stock_on_hand),
        CHECK ((status = 'paused') = (paused_by IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX listings_dealer_idx ON listings (dealer_id, created_at, id)`);
    await q.query(`CREATE INDEX listings_status_idx ON listings (status, updated_at, id)`);
    await q.query(`CREATE INDEX listings_search_idx ON listings USING gin (search_vector)`);
    await q.query(
      `CREATE INDEX listings_search_trgm_idx ON listings USING gin (search_text gin_trgm_ops)`,
    );
    // The model filter compares case-insensitively: the search matches
    // `catalog_models_key(compatible_models) @> ARRAY[model]` (the same expression, so this index).
    await q.query(`
      CREATE FUNCTION catalog_models_key(models text[]) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$ SELECT coalesce(array_agg(lower(regexp_replace(btrim(m), '\\s+', ' ', 'g'))), '{}')
              FROM unnest(models) m $$`);
    await q.query(
      `CREATE INDEX listings_models_idx ON listings USING gin (catalog_models_key(compatible_models))`,
    );
    await q.query(
      `CREATE INDEX listings_active_idx ON listings (category, b2c_price_paise, id) WHERE status = 'active'`,
    );
    // Its twin for business buyers, who filter and sort by the B2B price.
    await q.query(
      `CREATE INDEX listings_active_b2b_idx ON listings (category, b2b_price_paise, id) WHERE status = 'active'`,
    );
    // The brand filter (case-insensitive; without a category it would scan every listing).
    await q.query(
      `CREATE INDEX listings_active_brand_idx ON listings (lower(btrim(brand))) WHERE status = 'active'`,
    );
    await q.query(
      `CREATE INDEX listings_active_newest_idx ON listings (created_at DESC, id DESC) WHERE status = 'active'`,
    );

    await q.query(`
      CREATE TABLE listing_status_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        listing_id uuid NOT NULL REFERENCES listings(id),
        from_status text,
        to_status text NOT NULL,
        reason text,
        actor_id uuid REFERENCES users(id),
        actor_role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX listing_status_history_idx ON listing_status_history (listing_id, id)`,
    );

    await q.query(`
      CREATE TABLE listing_price_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        listing_id uuid NOT NULL REFERENCES listings(id),
        mrp_paise bigint NOT NULL,
        b2c_price_paise bigint NOT NULL,
        b2b_price_paise bigint NOT NULL,
        b2b_tiers jsonb NOT NULL,
        -- 'live': these prices went live; 'held': held for review; 'approved'/'rejected': review outcome.
        kind text NOT NULL CHECK (kind IN ('live','held','approved','rejected')),
        actor_id uuid REFERENCES users(id),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX listing_price_history_idx ON listing_price_history (listing_id, created_at)`,
    );

    await q.query(`
      CREATE TABLE stock_movements (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        listing_id uuid NOT NULL REFERENCES listings(id),
        kind text NOT NULL CHECK (kind IN ('set','adjust','reserve','release','sell')),
        on_hand_delta integer NOT NULL,
        reserved_delta integer NOT NULL,
        on_hand_after integer NOT NULL CHECK (on_hand_after >= 0),
        reserved_after integer NOT NULL CHECK (reserved_after >= 0),
        reason text,
        reference text,
        actor_id uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX stock_movements_listing_idx ON stock_movements (listing_id, id)`);

    for (const table of ['listing_status_history', 'listing_price_history', 'stock_movements']) {
      await makeAppendOnly(q, table);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE stock_movements, listing_price_history, listing_status_history, listings`,
    );
    await q.query(`DROP FUNCTION catalog_models_key(text[])`);
  }
}
