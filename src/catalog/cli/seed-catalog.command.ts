import { Inject, Injectable } from '@nestjs/common';
import { type CliCommand, demoSeedRefused } from '../../common/cli-command.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { demoListingsFor } from '../demo-catalog.js';
import { searchTextOf } from '../domain/listing-text.js';

/** The demo dealers (seed:demo creates them) and, by index, their part of the demo catalog. */
export const DEMO_DEALER_EMAILS = [
  'dealer@demo.fixbazaar.in',
  'dealer.mumbai@demo.fixbazaar.in',
  'dealer.delhi@demo.fixbazaar.in',
  'dealer.chennai@demo.fixbazaar.in',
];

/**
 * `seed:catalog`: active listings for the demo dealers, with their price history and opening stock.
 * Idempotent (a dealer's existing SKUs are skipped); refused in production.
 */
@Injectable()
export class SeedCatalogCommand implements CliCommand {
  readonly name = 'seed:catalog';
  readonly description = 'Create the demo catalog for the demo dealers (run seed:demo first)';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
  ) {}

  async run(): Promise<number> {
    if (demoSeedRefused(this.name, this.config.env)) return 1;
    let created = 0;
    for (const [index, email] of DEMO_DEALER_EMAILS.entries()) {
      created += await this.transactions.run(async (tx) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `SELECT id FROM users WHERE email = $1 AND role = 'dealer'`,
          [email],
        );
        const dealerId = rows[0]?.id;
        if (dealerId === undefined) {
          console.error(`seed:catalog: dealer ${email} not found (run seed:demo first)`);
          return 0;
        }
        let n = 0;
        for (const l of demoListingsFor(index)) {
          const inserted = await execute<{ id: string }>(
            tx,
            `INSERT INTO listings
               (dealer_id, sku, name, category, brand, compatible_models, condition, hsn_code,
                gst_rate_bps, mrp_paise, b2c_price_paise, b2b_price_paise, b2b_min_qty, b2b_tiers,
                stock_on_hand, status, search_text)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15,
                     'active', $16)
             ON CONFLICT (dealer_id, sku) DO NOTHING RETURNING id`,
            [
              dealerId,
              l.sku,
              l.name,
              l.category,
              l.brand,
              l.compatibleModels,
              l.condition,
              l.hsnCode,
              l.gstRateBps,
              l.mrpPaise.toString(),
              l.b2cPricePaise.toString(),
              l.b2bPricePaise.toString(),
              l.b2bMinQty,
              JSON.stringify(
                l.b2bTiers.map((t) => ({ minQty: t.minQty, pricePaise: Number(t.pricePaise) })),
              ),
              l.stockOnHand,
              searchTextOf({ ...l, compatibleModels: l.compatibleModels }),
            ],
          );
          const id = inserted.rows[0]?.id;
          if (id === undefined) continue;
          n += 1;
          await execute(
            tx,
            `INSERT INTO listing_status_history (listing_id, from_status, to_status, reason, actor_role)
             VALUES ($1, NULL, 'active', 'demo catalog', 'system')`,
            [id],
          );
          await execute(
            tx,
            `INSERT INTO listing_price_history
               (listing_id, mrp_paise, b2c_price_paise, b2b_price_paise, b2b_tiers, kind, reason)
             SELECT id, mrp_paise, b2c_price_paise, b2b_price_paise, b2b_tiers, 'live', 'demo catalog'
             FROM listings WHERE id = $1`,
            [id],
          );
          await execute(
            tx,
            `INSERT INTO stock_movements
               (listing_id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reason)
             VALUES ($1, 'set', $2, 0, $2, 0, 'demo catalog')`,
            [id, l.stockOnHand],
          );
        }
        return n;
      });
    }
    const { rows } = await this.transactions.run((tx) =>
      execute<{ n: number }>(tx, `SELECT count(*)::int AS n FROM listings WHERE status = 'active'`),
    );
    console.log(`demo catalog: ${created} listings created, ${rows[0]?.n ?? 0} active`);
    return 0;
  }
}
