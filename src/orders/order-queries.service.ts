/**
 * Reading orders: a buyer's own, a dealer's own sub-orders, and every order for staff with filters
 * (sub-order status, dealer, buyer, buyer type, payment status, placed between, total between).
 * Newest first, keyset cursors on (created_at, id). Object checks are in the queries: another
 * buyer's order or another dealer's sub-order is a 404.
 */
import { Inject, Injectable } from '@nestjs/common';
import { AppProblem } from '../common/errors/problem.js';
import { decodeCursor, encodeCursor } from '../common/pagination.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import type {
  AdminOrderQueryDto,
  BuyerOrderQueryDto,
  DealerOrderQueryDto,
  DealerSubOrderDto,
  DealerSubOrderPageDto,
  DeliveryRuleDto,
  OrderDto,
  OrderPageDto,
  OrderPaymentStatus,
} from './dto/order.dto.js';
import {
  dealerSubOrdersByIds,
  orderNotFound,
  ordersByIds,
  returnWindowMsOf,
} from './order-store.js';

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Paid orders read by their processed refunds (`orders.refund_status`): `paid` has none. */
const REFUND_STATUS_OF: Partial<Record<OrderPaymentStatus, string>> = {
  paid: 'none',
  partially_refunded: 'partial',
  refunded: 'full',
};

interface Position {
  at: string;
  id: string;
}

function positionOf(cursor: string | undefined): Position | null {
  if (cursor === undefined) return null;
  const p = decodeCursor(cursor);
  if (
    p === undefined ||
    typeof p.at !== 'string' ||
    !PG_TIMESTAMP.test(p.at) ||
    typeof p.id !== 'string' ||
    !UUID.test(p.id)
  )
    throw new AppProblem(400, 'request/invalid-cursor', 'Bad request', 'The cursor is not valid');
  return { at: p.at, id: p.id };
}

/**
 * Runs a page query, turning PostgreSQL's refusal of a date it cannot read (a `from`/`to` such as
 * `2024-W01`, a tampered cursor's `9999-99-99`) into a 400 instead of a 500.
 */
async function runChecked<T>(
  run: (sql: string, params: unknown[]) => Promise<T>,
  sql: string,
  params: unknown[],
): Promise<T> {
  try {
    return await run(sql, params);
  } catch (err) {
    const code = (err as { driverError?: { code?: string } }).driverError?.code;
    if (code === '22007' || code === '22008')
      throw new AppProblem(
        400,
        'request/invalid-date',
        'Bad request',
        'A date in the query (from, to or the cursor) is not a valid date',
      );
    throw err;
  }
}

/** Appends the keyset condition and returns the page's ids plus the next cursor. */
async function page(
  run: (sql: string, params: unknown[]) => Promise<{ id: string; at: string }[]>,
  base: { from: string; where: string[]; params: unknown[]; alias: string },
  limit: number,
  cursor: string | undefined,
): Promise<{ ids: string[]; nextCursor?: string }> {
  const where = [...base.where];
  const params = [...base.params];
  const position = positionOf(cursor);
  if (position) {
    params.push(position.at, position.id);
    where.push(
      `(${base.alias}.created_at, ${base.alias}.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
    );
  }
  params.push(limit + 1);
  const rows = await runChecked(
    run,
    `SELECT ${base.alias}.id::text AS id,
            to_char(${base.alias}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
     FROM ${base.from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${base.alias}.created_at DESC, ${base.alias}.id DESC LIMIT $${params.length}`,
    params,
  );
  const items = rows.slice(0, limit);
  const last = rows.length > limit ? items[items.length - 1] : undefined;
  return {
    ids: items.map((r) => r.id),
    ...(last ? { nextCursor: encodeCursor({ at: last.at, id: last.id }) } : {}),
  };
}

@Injectable()
export class OrderQueries {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get returnWindowMs(): number {
    return returnWindowMsOf(this.config);
  }

  async buyerOrders(buyerId: string, q: BuyerOrderQueryDto): Promise<OrderPageDto> {
    return this.orders(
      { where: [`o.buyer_id = $1`], params: [buyerId], status: q.status },
      q.limit,
      q.cursor,
    );
  }

  async buyerOrder(buyerId: string, orderId: string): Promise<OrderDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute(tx, `SELECT 1 FROM orders WHERE id = $1 AND buyer_id = $2`, [
        orderId,
        buyerId,
      ]);
      if (rows.length === 0) throw orderNotFound();
      return (await ordersByIds(tx, [orderId], true, this.returnWindowMs))[0]!;
    });
  }

  async adminOrders(q: AdminOrderQueryDto): Promise<OrderPageDto> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (q.dealerId !== undefined)
      add(
        (n) =>
          `EXISTS (SELECT 1 FROM sub_orders x WHERE x.order_id = o.id AND x.dealer_id = $${n})`,
        q.dealerId,
      );
    if (q.buyerId !== undefined) add((n) => `o.buyer_id = $${n}`, q.buyerId);
    if (q.buyerType !== undefined) add((n) => `o.channel = $${n}`, q.buyerType);
    if (q.paymentStatus !== undefined) {
      const refund = REFUND_STATUS_OF[q.paymentStatus];
      if (refund === undefined) add((n) => `o.payment_status = $${n}`, q.paymentStatus);
      else add((n) => `o.payment_status = 'paid' AND o.refund_status = $${n}`, refund);
    }
    if (q.from !== undefined) add((n) => `o.created_at >= $${n}::timestamptz`, q.from);
    if (q.to !== undefined) add((n) => `o.created_at < $${n}::timestamptz`, q.to);
    if (q.minTotalPaise !== undefined) add((n) => `o.total_paise >= $${n}`, q.minTotalPaise);
    if (q.maxTotalPaise !== undefined) add((n) => `o.total_paise <= $${n}`, q.maxTotalPaise);
    return this.orders({ where, params, status: q.status }, q.limit, q.cursor);
  }

  async adminOrder(orderId: string): Promise<OrderDto> {
    const [order] = await this.transactions.run((tx) =>
      ordersByIds(tx, [orderId], true, this.returnWindowMs),
    );
    if (order === undefined) throw orderNotFound();
    return order;
  }

  async dealerSubOrders(dealerId: string, q: DealerOrderQueryDto): Promise<DealerSubOrderPageDto> {
    return this.transactions.run(async (tx) => {
      const where = [`s.dealer_id = $1`];
      const params: unknown[] = [dealerId];
      if (q.status !== undefined) {
        params.push(q.status);
        where.push(`s.status = $${params.length}`);
      }
      const p = await page(
        async (sql, ps) => (await execute<{ id: string; at: string }>(tx, sql, ps)).rows,
        { from: 'sub_orders s', where, params, alias: 's' },
        q.limit,
        q.cursor,
      );
      return {
        items: await dealerSubOrdersByIds(tx, p.ids, false, this.returnWindowMs),
        ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}),
      };
    });
  }

  async dealerSubOrder(dealerId: string, subOrderId: string): Promise<DealerSubOrderDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute(
        tx,
        `SELECT 1 FROM sub_orders WHERE id = $1 AND dealer_id = $2`,
        [subOrderId, dealerId],
      );
      if (rows.length === 0) throw orderNotFound();
      return (await dealerSubOrdersByIds(tx, [subOrderId], true, this.returnWindowMs))[0]!;
    });
  }

  async deliveryRules(): Promise<DeliveryRuleDto[]> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<{
        channel: 'b2b' | 'b2c';
        flat_fee_paise: string;
        free_from_paise: string | null;
        updated_at: Date;
      }>(
        tx,
        `SELECT channel, flat_fee_paise::text AS flat_fee_paise, free_from_paise::text AS free_from_paise, updated_at
         FROM delivery_rules ORDER BY channel`,
      );
      return rows.map((r) => ({
        channel: r.channel,
        flatFeePaise: Number(r.flat_fee_paise),
        freeFromPaise: r.free_from_paise === null ? null : Number(r.free_from_paise),
        updatedAt: r.updated_at.toISOString(),
      }));
    });
  }

  private async orders(
    filter: { where: string[]; params: unknown[]; status: string | undefined },
    limit: number,
    cursor: string | undefined,
  ): Promise<OrderPageDto> {
    return this.transactions.run(async (tx) => {
      const where = [...filter.where];
      const params = [...filter.params];
      if (filter.status !== undefined) {
        params.push(filter.status);
        where.push(
          `EXISTS (SELECT 1 FROM sub_orders x WHERE x.order_id = o.id AND x.status = $${params.length})`,
        );
      }
      const p = await page(
        async (sql, ps) => (await execute<{ id: string; at: string }>(tx, sql, ps)).rows,
        { from: 'orders o', where, params, alias: 'o' },
        limit,
        cursor,
      );
      return {
        items: await ordersByIds(tx, p.ids, false, this.returnWindowMs),
        ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}),
      };
    });
  }
}
