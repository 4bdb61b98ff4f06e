/**
 * The pages the order list queries (`queries/`) read: orders (a buyer's own, or every order for
 * staff) and a dealer's sub-orders, newest first, keyset cursors on (created_at, id).
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../common/pagination.js';
import { execute } from '../database/sql.js';
import type { DealerSubOrderPageDto, OrderPageDto } from './dto/order.dto.js';
import { dealerSubOrdersByIds, ordersByIds } from './order-store.js';

/**
 * Runs a page query, turning PostgreSQL's refusal of a date it cannot read (a tampered cursor's
 * `9999-99-99`; `from`/`to` are Dates already, `periodOf`) into a 400 instead of a 500.
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
        'The date in the cursor is not a valid date',
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
  const position = parseKeysetCursor(cursor, {
    at: cursorFields.isoTimestamp,
    id: cursorFields.uuid,
  });
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

/**
 * A page of orders matching `filter` (SQL conditions on `orders o`, their parameters from `$1`), and
 * holding a sub-order in `status` when given; each order without its history.
 */
export async function orderPage(
  tx: EntityManager,
  filter: { where: string[]; params: unknown[]; status: string | undefined },
  paging: { limit: number; cursor: string | undefined; returnWindowMs: number },
): Promise<OrderPageDto> {
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
    paging.limit,
    paging.cursor,
  );
  return {
    items: await ordersByIds(tx, p.ids, false, paging.returnWindowMs),
    ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}),
  };
}

/** A page of the dealer's sub-orders (in `status` when given), each without its history. */
export async function dealerSubOrderPage(
  tx: EntityManager,
  dealerId: string,
  status: string | undefined,
  paging: { limit: number; cursor: string | undefined; returnWindowMs: number },
): Promise<DealerSubOrderPageDto> {
  const where = [`s.dealer_id = $1`];
  const params: unknown[] = [dealerId];
  if (status !== undefined) {
    params.push(status);
    where.push(`s.status = $${params.length}`);
  }
  const p = await page(
    async (sql, ps) => (await execute<{ id: string; at: string }>(tx, sql, ps)).rows,
    { from: 'sub_orders s', where, params, alias: 's' },
    paging.limit,
    paging.cursor,
  );
  return {
    items: await dealerSubOrdersByIds(tx, p.ids, false, paging.returnWindowMs),
    ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}),
  };
}
