/**
 * What the money modules read of an order, in the caller's transaction: the lines a sub-order's
 * escrow pays for (release, refunds after release), what a commission rule is chosen by, the
 * sub-orders cancelled while paid (the refunds sweep) and whether a buyer may see an order. The
 * money modules call these instead of reading the orders' tables.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';

/** A sub-order's active lines (cancelled ones were refunded, whole), in line order, with its delivery charge. */
export async function activeLinesOf(
  tx: EntityManager,
  subOrderId: string,
): Promise<{ deliveryPaise: number; lines: { lineTotalPaise: number; gstRateBps: number }[] }> {
  const { rows } = await execute<{
    line_total_paise: string;
    gst_rate_bps: number;
    delivery_paise: string;
  }>(
    tx,
    `SELECT l.line_total_paise::text AS line_total_paise, l.gst_rate_bps, s.delivery_paise::text AS delivery_paise
     FROM order_lines l JOIN sub_orders s ON s.id = l.sub_order_id
     WHERE l.sub_order_id = $1 AND l.status = 'active' ORDER BY l.line_no`,
    [subOrderId],
  );
  return {
    deliveryPaise: Number(rows[0]?.delivery_paise ?? 0),
    lines: rows.map((r) => ({
      lineTotalPaise: Number(r.line_total_paise),
      gstRateBps: r.gst_rate_bps,
    })),
  };
}

export interface CommissionTerms {
  readonly orderId: string;
  readonly dealerId: string;
  readonly channel: 'b2b' | 'b2c';
  /** The category of its largest active line (the listing's). */
  readonly category: string | null;
  /** The dealer's GSTIN as the order recorded it at checkout. */
  readonly dealerGstinAtCheckout: string | null;
}

/** What a sub-order's commission is chosen and invoiced by; undefined when there is no such sub-order. */
export async function commissionTermsOf(
  tx: EntityManager,
  subOrderId: string,
): Promise<CommissionTerms | undefined> {
  const { rows } = await execute<{
    order_id: string;
    dealer_id: string;
    channel: 'b2b' | 'b2c';
    category: string | null;
    dealer_gstin: string | null;
  }>(
    tx,
    `SELECT s.order_id::text AS order_id, s.dealer_id::text AS dealer_id, o.channel, s.dealer_gstin,
            (SELECT l.category FROM order_lines ol JOIN listings l ON l.id = ol.listing_id
             WHERE ol.sub_order_id = s.id AND ol.status = 'active'
             ORDER BY ol.line_total_paise DESC, ol.line_no LIMIT 1) AS category
     FROM sub_orders s JOIN orders o ON o.id = s.order_id WHERE s.id = $1`,
    [subOrderId],
  );
  const r = rows[0];
  return r === undefined
    ? undefined
    : {
        orderId: r.order_id,
        dealerId: r.dealer_id,
        channel: r.channel,
        category: r.category,
        dealerGstinAtCheckout: r.dealer_gstin,
      };
}

/** Which of these sub-orders are cancelled. */
export async function cancelledAmong(
  tx: EntityManager,
  subOrderIds: readonly string[],
): Promise<Set<string>> {
  if (subOrderIds.length === 0) return new Set();
  const { rows } = await execute<{ id: string }>(
    tx,
    `SELECT id::text AS id FROM sub_orders WHERE id = ANY($1::uuid[]) AND status = 'cancelled'`,
    [[...subOrderIds]],
  );
  return new Set(rows.map((r) => r.id));
}

/** Whether the order exists and, when `buyerId` is given, is that buyer's. */
export async function orderVisibleTo(
  tx: EntityManager,
  orderId: string,
  buyerId: string | null,
): Promise<boolean> {
  const { rows } = await execute(
    tx,
    `SELECT 1 FROM orders WHERE id = $1 AND ($2::uuid IS NULL OR buyer_id = $2)`,
    [orderId, buyerId],
  );
  return rows.length > 0;
}
