/**
 * The SQL of carts and orders shared by the cart, checkout, buyer, dealer, admin and payment
 * services: listings priced for a buyer, delivery rules, locking an order and its sub-orders (always
 * order row → sub-orders by id → listings by id, so concurrent commands cannot deadlock), applying a
 * transition (status, history row, stock effect) and reading orders back as DTOs.
 */
import type { EntityManager } from 'typeorm';
import { moveReservedStockIn } from '../catalog/listings/listing-stock.js';
import { AppProblem } from '../common/errors/problem.js';
import type { AppConfig } from '../config/app-config.js';
import { execute } from '../database/sql.js';
import type { BuyChannel, DeliveryRule, PricedListing } from './domain/order-pricing.js';
import { transition } from '../common/state-transition.js';
import {
  stockEffectOf,
  SUB_ORDER_MACHINE,
  type OrderActor,
  type StockEffect,
  type SubOrderEvent,
  type SubOrderStatus,
} from './domain/sub-order-state.js';
import type {
  DealerSubOrderDto,
  OrderDto,
  OrderPaymentStatus,
  OrderLineDto,
  ShippingAddressViewDto,
  SubOrderDto,
  SubOrderHistoryDto,
} from './dto/order.dto.js';
import { SubOrderTransitioned } from './events/order-events.js';

export const orderNotFound = () =>
  new AppProblem(404, 'order/not-found', 'Not found', 'No such order');

interface PricedListingRow {
  id: string;
  dealer_id: string;
  dealer_name: string;
  dealer_gstin: string;
  dealer_ok: boolean;
  sku: string;
  name: string;
  brand: string;
  condition: string;
  hsn_code: string;
  gst_rate_bps: number;
  mrp_paise: string;
  b2c_price_paise: string;
  b2b_price_paise: string;
  b2b_min_qty: number | null;
  b2b_tiers: { minQty: number; pricePaise: number }[];
  available: number;
  status: string;
}

/**
 * Listings as a buyer prices them. `lockDealers`: checkout takes the dealers' account rows FOR SHARE,
 * so a dealer suspended meanwhile is seen (its suspension waits for the checkout, then cleans up).
 */
export async function pricedListings(
  tx: EntityManager,
  buyerId: string,
  listingIds: string[],
  options: { lockDealers?: boolean } = {},
): Promise<Map<string, PricedListing>> {
  if (listingIds.length === 0) return new Map();
  if (options.lockDealers)
    await execute(
      tx,
      `SELECT 1 FROM users WHERE id IN (SELECT DISTINCT dealer_id FROM listings WHERE id = ANY($1::uuid[]))
       ORDER BY id FOR SHARE`,
      [listingIds],
    );
  const { rows } = await execute<PricedListingRow>(
    tx,
    `SELECT l.id::text AS id, l.dealer_id::text AS dealer_id,
            coalesce(u.business_name, u.display_name) AS dealer_name, coalesce(u.gstin, '') AS dealer_gstin,
            (u.role = 'dealer' AND u.status = 'approved') AS dealer_ok,
            l.sku, l.name, l.brand, l.condition, l.hsn_code, l.gst_rate_bps,
            l.mrp_paise::text AS mrp_paise, l.b2c_price_paise::text AS b2c_price_paise,
            l.b2b_price_paise::text AS b2b_price_paise, l.b2b_min_qty, l.b2b_tiers,
            l.stock_on_hand - l.stock_reserved AS available, l.status
     FROM listings l JOIN users u ON u.id = l.dealer_id
     WHERE l.id = ANY($1::uuid[])`,
    [listingIds],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        listingId: r.id,
        dealerId: r.dealer_id,
        dealerName: r.dealer_name,
        dealerGstin: r.dealer_gstin,
        sku: r.sku,
        name: r.name,
        brand: r.brand,
        condition: r.condition,
        hsnCode: r.hsn_code,
        gstRateBps: r.gst_rate_bps,
        mrpPaise: Number(r.mrp_paise),
        b2cPricePaise: Number(r.b2c_price_paise),
        b2bPricePaise: Number(r.b2b_price_paise),
        b2bMinQty: r.b2b_min_qty,
        tiers: r.b2b_tiers,
        available: r.available,
        buyable: r.status === 'active' && r.dealer_ok,
        ownListing: r.dealer_id === buyerId,
      },
    ]),
  );
}

export async function deliveryRuleOf(
  tx: EntityManager,
  channel: BuyChannel,
): Promise<DeliveryRule & { updatedAt: Date }> {
  const { rows } = await execute<{
    flat_fee_paise: string;
    free_from_paise: string | null;
    updated_at: Date;
  }>(
    tx,
    `SELECT flat_fee_paise::text AS flat_fee_paise, free_from_paise::text AS free_from_paise, updated_at
     FROM delivery_rules WHERE channel = $1`,
    [channel],
  );
  const r = rows[0]!;
  return {
    flatFeePaise: Number(r.flat_fee_paise),
    freeFromPaise: r.free_from_paise === null ? null : Number(r.free_from_paise),
    updatedAt: r.updated_at,
  };
}

export interface OrderRow {
  id: string;
  buyer_id: string;
  channel: BuyChannel;
  buyer_gstin: string | null;
  buyer_business_name: string | null;
  shipping_address: ShippingAddressViewDto;
  items_paise: string;
  delivery_paise: string;
  total_paise: string;
  minimum_order_paise: string;
  /** As stored: the payment's lifecycle (refunds show through `refund_status`). */
  payment_status: Exclude<OrderPaymentStatus, 'partially_refunded' | 'refunded'>;
  refund_status: 'none' | 'partial' | 'full';
  reservation_expires_at: Date;
  paid_at: Date | null;
  created_at: Date;
}

const ORDER_COLUMNS = `o.id::text AS id, o.buyer_id::text AS buyer_id, o.channel, o.buyer_gstin,
  o.buyer_business_name, o.shipping_address, o.items_paise::text AS items_paise,
  o.delivery_paise::text AS delivery_paise, o.total_paise::text AS total_paise,
  o.minimum_order_paise::text AS minimum_order_paise, o.payment_status, o.reservation_expires_at,
  o.paid_at, o.created_at, o.refund_status`;

export interface SubOrderRow {
  id: string;
  order_id: string;
  dealer_id: string;
  dealer_name: string;
  dealer_gstin: string;
  status: SubOrderStatus;
  supply: 'intra_state' | 'inter_state' | null;
  items_paise: string;
  delivery_paise: string;
  total_paise: string;
  tax_paise: string;
  carrier: string | null;
  tracking_number: string | null;
  cancelled_by: SubOrderDto['cancelledBy'];
  cancel_reason: string | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  refunded_paise: string;
  created_at: Date;
  updated_at: Date;
}

const SUB_ORDER_COLUMNS = `s.id::text AS id, s.order_id::text AS order_id, s.dealer_id::text AS dealer_id,
  coalesce(d.business_name, d.display_name) AS dealer_name, s.dealer_gstin, s.status, s.supply,
  s.items_paise::text AS items_paise, s.delivery_paise::text AS delivery_paise,
  s.total_paise::text AS total_paise, s.tax_paise::text AS tax_paise, s.carrier, s.tracking_number,
  s.cancelled_by, s.cancel_reason, s.shipped_at, s.delivered_at, s.created_at, s.updated_at,
  s.refunded_paise::text AS refunded_paise`;

/** Locks an order (the first lock of every order command). `buyerId`: only that buyer's (else 404). */
export async function lockOrder(
  tx: EntityManager,
  orderId: string,
  buyerId: string | null,
): Promise<OrderRow> {
  const { rows } = await execute<OrderRow>(
    tx,
    `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1 AND ($2::uuid IS NULL OR o.buyer_id = $2)
     FOR UPDATE`,
    [orderId, buyerId],
  );
  if (rows.length === 0) throw orderNotFound();
  return rows[0]!;
}

/** The order's sub-orders, locked in id order (after the order row). */
export async function lockSubOrders(tx: EntityManager, orderId: string): Promise<SubOrderRow[]> {
  const { rows } = await execute<SubOrderRow>(
    tx,
    `SELECT ${SUB_ORDER_COLUMNS} FROM sub_orders s JOIN users d ON d.id = s.dealer_id
     WHERE s.order_id = $1 ORDER BY s.id FOR UPDATE OF s`,
    [orderId],
  );
  return rows;
}

/** The order a sub-order belongs to (unlocked), for commands addressed by sub-order id; `dealerId` scopes it. */
export async function orderIdOfSubOrder(
  tx: EntityManager,
  subOrderId: string,
  dealerId: string | null,
): Promise<string> {
  const { rows } = await execute<{ order_id: string }>(
    tx,
    `SELECT order_id::text AS order_id FROM sub_orders WHERE id = $1 AND ($2::uuid IS NULL OR dealer_id = $2)`,
    [subOrderId, dealerId],
  );
  if (rows.length === 0) throw orderNotFound();
  return rows[0]!.order_id;
}

/**
 * Locks, in one statement and in id order, every listing of these sub-orders: called before
 * transitions that move stock, so a multi-dealer order takes its listing locks in the same global
 * order as checkout's reservations (no deadlock between them).
 */
export async function lockListingsOf(tx: EntityManager, subOrderIds: string[]): Promise<void> {
  if (subOrderIds.length === 0) return;
  await execute(
    tx,
    `SELECT 1 FROM listings WHERE id IN
       (SELECT listing_id FROM order_lines WHERE sub_order_id = ANY($1::uuid[]))
     ORDER BY id FOR NO KEY UPDATE`,
    [subOrderIds],
  );
}

export interface TransitionInput {
  event: SubOrderEvent;
  actor: OrderActor;
  actorId: string | null;
  actorRole: string;
  reason?: string | null;
  to?: SubOrderStatus;
  ship?: { carrier: string; trackingNumber: string };
}

/**
 * Moves one locked sub-order through the state machine (the common `transition`): validates, applies
 * the stock effect to its lines (listings locked by id), updates the row, writes the history row and
 * queues `SubOrderTransitioned`, published after commit. Refusals are 409/422 problems.
 */
export async function applyTransition(
  tx: EntityManager,
  order: OrderRow,
  sub: SubOrderRow,
  input: TransitionInput,
): Promise<void> {
  const { to } = await transition(
    tx,
    SUB_ORDER_MACHINE,
    {
      from: sub.status,
      event: input.event,
      actor: input.actor,
      ...(input.to !== undefined ? { to: input.to } : {}),
      reason: input.reason ?? null,
      reasonRequiredStatus: 422,
      problem: { subOrderId: sub.id, subOrderStatus: sub.status },
    },
    {
      historyTable: 'sub_order_history',
      update: async (from, to) => {
        const effect = stockEffectOf(from, to);
        if (effect !== null) await moveStock(tx, sub.id, null, effect, input.event, input.actorId);
        return execute(
          tx,
          `UPDATE sub_orders SET status = $2,
             carrier = coalesce($3, carrier), tracking_number = coalesce($4, tracking_number),
             shipped_at = CASE WHEN $2 = 'shipped' THEN now() ELSE shipped_at END,
             delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END,
             cancelled_by = CASE WHEN $2 = 'cancelled' THEN $5 ELSE cancelled_by END,
             cancel_reason = CASE WHEN $2 = 'cancelled' THEN $6 ELSE cancel_reason END,
             version = version + 1, updated_at = now()
           WHERE id = $1 AND status = $7`,
          [
            sub.id,
            to,
            input.ship?.carrier ?? null,
            input.ship?.trackingNumber ?? null,
            input.actor === 'payment' ? 'system' : input.actor,
            input.reason ?? input.event,
            from,
          ],
        );
      },
      insertHistory: async (from, to) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO sub_order_history (sub_order_id, event, from_status, to_status, actor_id, actor_role, reason, details)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING id::text AS id`,
          [
            sub.id,
            input.event,
            from,
            to,
            input.actorId,
            `${input.actor}:${input.actorRole}`,
            input.reason ?? null,
            JSON.stringify(input.ship ?? {}),
          ],
        );
        return rows[0]!.id;
      },
      event: (from, to) =>
        new SubOrderTransitioned(
          sub.id,
          order.id,
          sub.dealer_id,
          order.buyer_id,
          input.event,
          from,
          to,
          input.actor,
        ),
    },
  );
  sub.status = to;
}

/**
 * Applies a stock effect to a sub-order's active lines (`lineNos`: only these), in listing-id order
 * (the listings are locked by the caller), through catalog's `moveReservedStockIn`.
 */
async function moveStock(
  tx: EntityManager,
  subOrderId: string,
  lineNos: number[] | null,
  effect: NonNullable<StockEffect>,
  reason: string,
  actorId: string | null,
): Promise<void> {
  const { rows: lines } = await execute<{ listing_id: string; quantity: number }>(
    tx,
    `SELECT listing_id::text AS listing_id, quantity FROM order_lines
     WHERE sub_order_id = $1 AND status = 'active' AND ($2::int[] IS NULL OR line_no = ANY($2::int[]))
     ORDER BY listing_id`,
    [subOrderId, lineNos],
  );
  await moveReservedStockIn(
    tx,
    lines.map((l) => ({ listingId: l.listing_id, quantity: l.quantity })),
    effect,
    reason,
    { reference: `sub_order:${subOrderId}`, actorId },
  );
}

/** What cancelling some lines of a sub-order took off it (integer paise). */
export interface CancelledLines {
  lineNos: number[];
  itemsPaise: number;
  taxPaise: number;
}

/**
 * Cancels active lines of a locked sub-order before it ships (listings locked by the caller): their
 * stock is released (unpaid) or restocked (paid), each line is marked `cancelled` with who and when,
 * the sub-order's and the order's items, tax and totals drop by the lines' totals (the delivery
 * charge stays as placed), and a `cancel_lines` history row is written. The caller checked the lines
 * and the policy.
 */
export async function cancelLinesIn(
  tx: EntityManager,
  order: OrderRow,
  sub: SubOrderRow,
  lineNos: number[],
  actor: { actorId: string; actorRole: string; reason: string | null },
): Promise<CancelledLines> {
  const effect = stockEffectOf(sub.status, 'cancelled');
  if (effect !== null) await moveStock(tx, sub.id, lineNos, effect, 'cancel_lines', actor.actorId);
  const { rows } = await execute<{ items: string; tax: string }>(
    tx,
    `WITH c AS (
       UPDATE order_lines SET status = 'cancelled', cancelled_at = now(), cancelled_by = $3
       WHERE sub_order_id = $1 AND line_no = ANY($2::int[]) AND status = 'active'
       RETURNING line_total_paise, cgst_paise + sgst_paise + igst_paise AS tax_paise)
     SELECT coalesce(sum(line_total_paise), 0)::text AS items, coalesce(sum(tax_paise), 0)::text AS tax FROM c`,
    [sub.id, lineNos, actor.actorId],
  );
  const cancelled = {
    lineNos,
    itemsPaise: Number(rows[0]!.items),
    taxPaise: Number(rows[0]!.tax),
  };
  await execute(
    tx,
    `UPDATE sub_orders SET items_paise = items_paise - $2, total_paise = total_paise - $2,
       tax_paise = tax_paise - $3, version = version + 1, updated_at = now()
     WHERE id = $1`,
    [sub.id, cancelled.itemsPaise, cancelled.taxPaise],
  );
  await execute(
    tx,
    `UPDATE orders SET items_paise = items_paise - $2, total_paise = total_paise - $2, updated_at = now()
     WHERE id = $1`,
    [order.id, cancelled.itemsPaise],
  );
  await execute(
    tx,
    `INSERT INTO sub_order_history (sub_order_id, event, from_status, to_status, actor_id, actor_role, reason, details)
     VALUES ($1, 'cancel_lines', $2, $2, $3, $4, $5, $6::jsonb)`,
    [
      sub.id,
      sub.status,
      actor.actorId,
      `buyer:${actor.actorRole}`,
      actor.reason,
      JSON.stringify({ lineNos, itemsPaise: cancelled.itemsPaise, taxPaise: cancelled.taxPaise }),
    ],
  );
  sub.items_paise = String(Number(sub.items_paise) - cancelled.itemsPaise);
  sub.total_paise = String(Number(sub.total_paise) - cancelled.itemsPaise);
  sub.tax_paise = String(Number(sub.tax_paise) - cancelled.taxPaise);
  return cancelled;
}

/**
 * The order's payment status once its sub-orders moved: nothing left awaiting payment and nothing
 * ever paid → cancelled (or expired, when `expired`).
 */
export async function settleOrderStatus(
  tx: EntityManager,
  order: OrderRow,
  subs: SubOrderRow[],
  expired = false,
): Promise<void> {
  if (order.payment_status !== 'awaiting_payment') return;
  if (subs.some((s) => s.status === 'awaiting_payment')) return;
  const paid = subs.some((s) => s.status !== 'cancelled');
  const next = paid ? 'paid' : expired ? 'expired' : 'cancelled';
  await execute(
    tx,
    `UPDATE orders SET payment_status = $2, paid_at = CASE WHEN $2 = 'paid' THEN now() ELSE paid_at END,
       updated_at = now() WHERE id = $1`,
    [order.id, next],
  );
  order.payment_status = next;
}

// ---- reading orders back ----

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** The return window after delivery (ORDER_AUTO_COMPLETE_HOURS, as parsed), in milliseconds. */
export const returnWindowMsOf = (config: AppConfig): number =>
  config.orders.autoCompleteSeconds * 1_000;

/** How an order reads: its stored payment status, or its refunds once a paid order has some. */
function paymentStatusOf(o: OrderRow): OrderPaymentStatus {
  if (o.payment_status !== 'paid' || o.refund_status === 'none') return o.payment_status;
  return o.refund_status === 'full' ? 'refunded' : 'partially_refunded';
}

interface LineRow {
  sub_order_id: string;
  line_no: number;
  listing_id: string;
  sku: string;
  name: string;
  brand: string;
  condition: string;
  hsn_code: string;
  gst_rate_bps: number;
  mrp_paise: string;
  quantity: number;
  unit_price_paise: string;
  line_total_paise: string;
  delivery_share_paise: string;
  taxable_value_paise: string;
  cgst_paise: string;
  sgst_paise: string;
  igst_paise: string;
  status: OrderLineDto['status'];
  cancelled_at: Date | null;
}

interface HistoryRow {
  sub_order_id: string;
  event: SubOrderHistoryDto['event'];
  from_status: SubOrderStatus | null;
  to_status: SubOrderStatus;
  actor_role: string;
  reason: string | null;
  created_at: Date;
}

function toLineDto(r: LineRow): OrderLineDto {
  return {
    lineNo: r.line_no,
    listingId: r.listing_id,
    sku: r.sku,
    name: r.name,
    brand: r.brand,
    condition: r.condition,
    hsnCode: r.hsn_code,
    gstRateBps: r.gst_rate_bps,
    mrpPaise: Number(r.mrp_paise),
    quantity: r.quantity,
    unitPricePaise: Number(r.unit_price_paise),
    lineTotalPaise: Number(r.line_total_paise),
    deliverySharePaise: Number(r.delivery_share_paise),
    taxableValuePaise: Number(r.taxable_value_paise),
    cgstPaise: Number(r.cgst_paise),
    sgstPaise: Number(r.sgst_paise),
    igstPaise: Number(r.igst_paise),
    status: r.status,
    cancelledAt: iso(r.cancelled_at),
  };
}

function toSubOrderDto(
  s: SubOrderRow,
  lines: LineRow[],
  history: HistoryRow[] | undefined,
  returnWindowMs: number,
): SubOrderDto {
  return {
    id: s.id,
    orderId: s.order_id,
    dealerId: s.dealer_id,
    dealerName: s.dealer_name,
    dealerGstin: s.dealer_gstin,
    status: s.status,
    supply: s.supply,
    itemsPaise: Number(s.items_paise),
    deliveryPaise: Number(s.delivery_paise),
    totalPaise: Number(s.total_paise),
    taxPaise: Number(s.tax_paise),
    carrier: s.carrier,
    trackingNumber: s.tracking_number,
    cancelledBy: s.cancelled_by,
    cancelReason: s.cancel_reason,
    shippedAt: iso(s.shipped_at),
    deliveredAt: iso(s.delivered_at),
    returnWindowEndsAt:
      s.delivered_at === null
        ? null
        : new Date(s.delivered_at.getTime() + returnWindowMs).toISOString(),
    refundedPaise: Number(s.refunded_paise),
    createdAt: s.created_at.toISOString(),
    updatedAt: s.updated_at.toISOString(),
    lines: lines.filter((l) => l.sub_order_id === s.id).map(toLineDto),
    ...(history
      ? {
          history: history
            .filter((h) => h.sub_order_id === s.id)
            .map((h) => ({
              event: h.event,
              fromStatus: h.from_status,
              toStatus: h.to_status,
              actor: h.actor_role.split(':')[0] as OrderActor,
              reason: h.reason,
              at: h.created_at.toISOString(),
            })),
        }
      : {}),
  };
}

async function subOrderParts(
  tx: EntityManager,
  where: string,
  params: unknown[],
  withHistory: boolean,
): Promise<{ subs: SubOrderRow[]; lines: LineRow[]; history: HistoryRow[] | undefined }> {
  const { rows: subs } = await execute<SubOrderRow>(
    tx,
    `SELECT ${SUB_ORDER_COLUMNS} FROM sub_orders s JOIN users d ON d.id = s.dealer_id WHERE ${where}
     ORDER BY s.created_at, s.id`,
    params,
  );
  const ids = subs.map((s) => s.id);
  const { rows: lines } = await execute<LineRow>(
    tx,
    `SELECT sub_order_id::text AS sub_order_id, line_no, listing_id::text AS listing_id, sku, name,
            brand, condition, hsn_code, gst_rate_bps, mrp_paise::text AS mrp_paise, quantity,
            unit_price_paise::text AS unit_price_paise, line_total_paise::text AS line_total_paise,
            delivery_share_paise::text AS delivery_share_paise,
            taxable_value_paise::text AS taxable_value_paise, cgst_paise::text AS cgst_paise,
            sgst_paise::text AS sgst_paise, igst_paise::text AS igst_paise, status, cancelled_at
     FROM order_lines WHERE sub_order_id = ANY($1::uuid[]) ORDER BY sub_order_id, line_no`,
    [ids],
  );
  const history = withHistory
    ? (
        await execute<HistoryRow>(
          tx,
          `SELECT sub_order_id::text AS sub_order_id, event, from_status, to_status, actor_role, reason, created_at
           FROM sub_order_history WHERE sub_order_id = ANY($1::uuid[]) ORDER BY id`,
          [ids],
        )
      ).rows
    : undefined;
  return { subs, lines, history };
}

/** Orders by id as DTOs, in the given order (`returnWindowMs`: see returnWindowMsOf). */
export async function ordersByIds(
  tx: EntityManager,
  ids: string[],
  withHistory: boolean,
  returnWindowMs: number,
): Promise<OrderDto[]> {
  if (ids.length === 0) return [];
  const { rows } = await execute<OrderRow>(
    tx,
    `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
  const parts = await subOrderParts(tx, `s.order_id = ANY($1::uuid[])`, [ids], withHistory);
  const byId = new Map(rows.map((o) => [o.id, o]));
  return ids.flatMap((id) => {
    const o = byId.get(id);
    if (o === undefined) return [];
    const subs = parts.subs.filter((s) => s.order_id === id);
    return [
      {
        id: o.id,
        buyerId: o.buyer_id,
        channel: o.channel,
        buyerGstin: o.buyer_gstin,
        buyerBusinessName: o.buyer_business_name,
        shippingAddress: o.shipping_address,
        itemsPaise: Number(o.items_paise),
        deliveryPaise: Number(o.delivery_paise),
        totalPaise: Number(o.total_paise),
        payablePaise: subs
          .filter((s) => s.status === 'awaiting_payment')
          .reduce((sum, s) => sum + Number(s.total_paise), 0),
        minimumOrderPaise: Number(o.minimum_order_paise),
        paymentStatus: paymentStatusOf(o),
        refundedPaise: subs.reduce((sum, s) => sum + Number(s.refunded_paise), 0),
        reservationExpiresAt: o.reservation_expires_at.toISOString(),
        paidAt: iso(o.paid_at),
        createdAt: o.created_at.toISOString(),
        subOrders: subs.map((s) => toSubOrderDto(s, parts.lines, parts.history, returnWindowMs)),
      },
    ];
  });
}

/** A dealer's sub-orders by id as DTOs (with the buyer's name; the address once paid). */
export async function dealerSubOrdersByIds(
  tx: EntityManager,
  ids: string[],
  withHistory: boolean,
  returnWindowMs: number,
): Promise<DealerSubOrderDto[]> {
  if (ids.length === 0) return [];
  const parts = await subOrderParts(tx, `s.id = ANY($1::uuid[])`, [ids], withHistory);
  const { rows: orders } = await execute<OrderRow & { sub_order_id: string; buyer_name: string }>(
    tx,
    `SELECT ${ORDER_COLUMNS}, s.id::text AS sub_order_id,
            coalesce(o.buyer_business_name, b.display_name) AS buyer_name
     FROM sub_orders s JOIN orders o ON o.id = s.order_id JOIN users b ON b.id = o.buyer_id
     WHERE s.id = ANY($1::uuid[])`,
    [ids],
  );
  const orderOf = new Map(orders.map((o) => [o.sub_order_id, o]));
  const subOf = new Map(parts.subs.map((s) => [s.id, s]));
  return ids.map((id) => {
    const s = subOf.get(id)!;
    const o = orderOf.get(id)!;
    const shippable = s.status !== 'awaiting_payment' && s.cancelled_by === null;
    return {
      ...toSubOrderDto(s, parts.lines, parts.history, returnWindowMs),
      channel: o.channel,
      buyerName: o.buyer_name,
      buyerGstin: o.buyer_gstin,
      shippingAddress: shippable ? o.shipping_address : null,
    };
  });
}
