/**
 * Stock held for orders: the reservation at checkout and the later moves of reserved stock (sold,
 * released, restocked), each a conditional update of the listing with its `stock_movements` row in
 * one statement. Orders call these in its transactions, with the listings in id order (checkout
 * reserves in id order; the other moves run after the caller locked the listings by id), so
 * concurrent orders cannot deadlock or oversell.
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';

/** Units of one listing. */
export interface StockLine {
  listingId: string;
  quantity: number;
}

/** Who moves the stock: `reference` names the order or sub-order (`order:<id>`, `sub_order:<id>`). */
export interface StockMoveBy {
  reference: string;
  actorId: string | null;
}

/**
 * Reserves `lines` in the given order (the caller sorts them by listing id), each only while the
 * listing is active and has the units free (`stock_on_hand − stock_reserved >= quantity`); stops at
 * the first that cannot be reserved and returns it (the caller refuses and rolls back), or null.
 * The movements' reason is `checkout`.
 */
export async function reserveStockIn(
  tx: EntityManager,
  lines: readonly StockLine[],
  by: StockMoveBy,
): Promise<StockLine | null> {
  for (const l of lines) {
    const { rows } = await execute<{ id: string }>(
      tx,
      `WITH l AS (
         UPDATE listings SET stock_reserved = stock_reserved + $2, updated_at = now()
         WHERE id = $1 AND status = 'active' AND stock_on_hand - stock_reserved >= $2
         RETURNING id, stock_on_hand, stock_reserved)
       INSERT INTO stock_movements (listing_id, kind, on_hand_delta, reserved_delta, on_hand_after,
         reserved_after, reason, reference, actor_id)
       SELECT id, 'reserve', 0, $2, stock_on_hand, stock_reserved, 'checkout', $3, $4 FROM l
       RETURNING listing_id::text AS id`,
      [l.listingId, l.quantity, by.reference, by.actorId],
    );
    if (rows.length === 0) return l;
  }
  return null;
}

/**
 * What becomes of reserved units: `sell` (paid: they leave on-hand and the reservation), `release`
 * (unpaid and cancelled: the reservation only) or `restock` (paid, then cancelled: back on hand).
 */
export type ReservedStockMove = 'sell' | 'release' | 'restock';

/**
 * Moves reserved units of `lines` (in the given order; the caller locked the listings by id): one
 * update of the listing and one `stock_movements` row (kind: the move; reason: `reason`) each.
 */
export async function moveReservedStockIn(
  tx: EntityManager,
  lines: readonly StockLine[],
  move: ReservedStockMove,
  reason: string,
  by: StockMoveBy,
): Promise<void> {
  for (const l of lines) {
    const q = l.quantity;
    const onHandDelta = move === 'release' ? 0 : move === 'sell' ? -q : q;
    const reservedDelta = move === 'restock' ? 0 : -q;
    await execute(
      tx,
      `WITH l AS (
         UPDATE listings SET stock_on_hand = stock_on_hand + $2, stock_reserved = stock_reserved + $3,
           updated_at = now()
         WHERE id = $1 RETURNING id, stock_on_hand, stock_reserved)
       INSERT INTO stock_movements (listing_id, kind, on_hand_delta, reserved_delta, on_hand_after,
         reserved_after, reason, reference, actor_id)
       SELECT id, $4, $2, $3, stock_on_hand, stock_reserved, $5, $6, $7 FROM l`,
      [l.listingId, onHandDelta, reservedDelta, move, reason, by.reference, by.actorId],
    );
  }
}
