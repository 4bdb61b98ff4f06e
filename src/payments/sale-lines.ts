/**
 * The lines of a parts sale as the escrow release and the refunds after it see them
 * (ledger-spec/recipes.md §3): each line of the sub-order at its own GST rate, with its share of
 * the delivery charge (src/orders/domain/order-pricing.ts `saleLinesOf`, the invoice's rule).
 *
 * `schedule` is the rule of releases posted before per-line TCS: the whole amount as one line at
 * the supply GST schedule's rate. It is kept only to reproduce those releases (refunds after them,
 * the TCS correction in src/escrow/tcs-correction/).
 */
import type { EntityManager } from 'typeorm';
import { Decimal, type Paise } from '../ledger/domain/money.js';
import { type RateBook, rateFrom } from '../ledger/domain/rates.js';
import {
  linesLessRefund,
  type RateSelection,
  type SaleLine,
  saleGrossOf,
} from '../ledger/domain/recipes.js';
import { saleLinesOf } from '../orders/domain/order-pricing.js';
import { activeLinesOf } from '../orders/sale-terms.js';

export type TaxableBasis = 'lines' | 'schedule';

/**
 * The sub-order's lines as held, adding up to `heldPaise`: its active lines (cancelled ones were
 * refunded, whole) with their delivery shares, the delivery split over the lines that remain.
 * When less is held than the lines add up to (a part refunded before release without lines), the
 * difference is taken from the lines pro rata to their gross.
 */
export async function heldSaleLinesIn(
  tx: EntityManager,
  subOrderId: string,
  heldPaise: Paise,
): Promise<SaleLine[]> {
  const { lines: active, deliveryPaise } = await activeLinesOf(tx, subOrderId);
  if (active.length === 0) throw new Error(`sub-order ${subOrderId} has no lines`);
  const lines: SaleLine[] = saleLinesOf(active, deliveryPaise).map((l) => ({
    grossPaise: BigInt(l.grossPaise),
    gstRate: new Decimal(l.gstRateBps).div(10_000),
  }));
  const gross = saleGrossOf(lines);
  if (gross < heldPaise)
    throw new Error(`sub-order ${subOrderId}: lines of ${gross} paise for a hold of ${heldPaise}`);
  return linesLessRefund(lines, gross - heldPaise);
}

/**
 * The lines a release on `basis` released: the held lines less the refund at release (`schedule`:
 * the supply GST schedule in force on the release date).
 */
export async function releasedSaleLinesIn(
  tx: EntityManager,
  hold: { sub_order_id: string; amount_paise: string; refund_at_release_paise: string },
  basis: TaxableBasis,
  schedule?: { book: RateBook; selection: RateSelection; onDate: string },
): Promise<SaleLine[]> {
  const held = BigInt(hold.amount_paise);
  if (basis === 'schedule' && schedule === undefined)
    throw new Error('the schedule basis needs its rate schedule');
  const lines =
    basis === 'lines' || schedule === undefined
      ? await heldSaleLinesIn(tx, hold.sub_order_id, held)
      : [
          {
            grossPaise: held,
            gstRate: rateFrom(schedule.book, schedule.selection.supplyGst, schedule.onDate),
          },
        ];
  return linesLessRefund(lines, BigInt(hold.refund_at_release_paise));
}
