/**
 * A dealer's own listings: create (draft), edit, submit (to review or straight to active), pause and
 * resume, price changes (held for review beyond the allowed jump), stock set/adjust with movements.
 * One command = one transaction; the listing row is locked (`FOR UPDATE`) by every change. Object
 * checks: another dealer's listing is a 404.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../common/roles.js';
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import type { RequestMeta } from '../../common/request-meta.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { idempotent, type IdempotentResult } from '../../database/idempotency.js';
import { execute, sqlStateOf } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { checkPrices, priceJumps, type PriceSet } from '../domain/listing-pricing.js';
import { submitTarget } from '../domain/listing-state.js';
import { searchTextOf, tidyModels } from '../domain/listing-text.js';
import type {
  AdjustStockDto,
  ChangePricesDto,
  CreateListingDto,
  DealerListingQueryDto,
  ListingDetailDto,
  ListingDto,
  ListingPageDto,
  ListingPricesDto,
  PriceChangeResultDto,
  SetStockDto,
  StockMovementDto,
  StockMovementPageDto,
  UpdateListingDto,
} from '../dto/listing.dto.js';
import {
  applyTransition,
  detailOf,
  findNearDuplicate,
  insertPriceHistory,
  jumpBaseline,
  listingCursor,
  LISTING_COLUMNS,
  loadListing,
  toListingDto,
  type ListingRow,
} from './listing-store.js';

const priceSetOf = (dto: ListingPricesDto): PriceSet => ({
  mrpPaise: dto.mrpPaise,
  b2cPricePaise: dto.b2cPricePaise,
  b2bPricePaise: dto.b2bPricePaise,
  b2bMinQty: dto.b2bMinQty ?? null,
  tiers: (dto.tiers ?? []).map((t) => ({ minQty: t.minQty, pricePaise: t.pricePaise })),
});

/** 422 with the broken pricing rule's code, before anything is written. */
function assertPrices(p: PriceSet): void {
  const v = checkPrices(p);
  if (v !== null)
    throw new AppProblem(422, v.code, 'Pricing rule broken', v.detail, { field: v.field });
}

/** The most stock on hand a listing may have (a CHECK in the database too). */
const MAX_STOCK = 10_000_000;

const removed = () =>
  new AppProblem(409, 'listing/removed', 'Removed', 'A removed listing cannot be changed', {
    listingStatus: 'removed',
  });

interface MovementRow {
  id: string;
  kind: StockMovementDto['kind'];
  on_hand_delta: number;
  reserved_delta: number;
  on_hand_after: number;
  reserved_after: number;
  reason: string | null;
  reference: string | null;
  actor_id: string | null;
  created_at: Date;
}

@Injectable()
export class DealerListingsService {
  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateListingDto, meta: RequestMeta): Promise<ListingDto> {
    const principal = meta.principal!;
    const prices = priceSetOf(dto);
    assertPrices(prices);
    const models = tidyModels(dto.compatibleModels);
    const text = { name: dto.name, brand: dto.brand, compatibleModels: models };
    return this.transactions.run(async (tx) => {
      const duplicateOf = await findNearDuplicate(tx, {
        id: null,
        dealerId: principal.userId,
        name: dto.name,
        category: dto.category,
        compatibleModels: models,
      });
      let row: ListingRow;
      try {
        const { rows } = await execute<ListingRow>(
          tx,
          `INSERT INTO listings (dealer_id, sku, name, category, brand, compatible_models, condition,
             hsn_code, gst_rate_bps, description, mrp_paise, b2c_price_paise, b2b_price_paise,
             b2b_min_qty, b2b_tiers, stock_on_hand, duplicate_of, search_text)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15::jsonb,$16,$17,$18)
           RETURNING ${LISTING_COLUMNS}`,
          [
            principal.userId,
            dto.sku,
            dto.name,
            dto.category,
            dto.brand,
            models,
            dto.condition,
            dto.hsnCode,
            dto.gstRateBps,
            dto.description ?? '',
            prices.mrpPaise,
            prices.b2cPricePaise,
            prices.b2bPricePaise,
            prices.b2bMinQty,
            JSON.stringify(prices.tiers),
            0,
            duplicateOf,
            searchTextOf({ ...text, category: dto.category, sku: dto.sku }),
          ],
        );
        row = rows[0]!;
      } catch (err) {
        if (sqlStateOf(err) === '23505')
          throw new AppProblem(
            409,
            'listing/sku-taken',
            'SKU taken',
            `You already have a listing with SKU ${dto.sku}`,
            { field: 'sku' },
          );
        throw err;
      }
      await execute(
        tx,
        `INSERT INTO listing_status_history (listing_id, from_status, to_status, actor_id, actor_role)
         VALUES ($1, NULL, 'draft', $2, $3)`,
        [row.id, principal.userId, principal.role],
      );
      await insertPriceHistory(tx, row.id, prices, 'live', principal.userId);
      // Created with no stock; the initial quantity arrives as its first movement.
      if ((dto.stockOnHand ?? 0) > 0)
        row = await this.movement(tx, row, 'set', dto.stockOnHand!, 'initial stock', principal);
      return toListingDto(row);
    });
  }

  async update(id: string, dto: UpdateListingDto, meta: RequestMeta): Promise<ListingDto> {
    const principal = meta.principal!;
    return this.transactions.run(async (tx) => {
      let row = await loadListing(tx, id, { principal, action: 'update' }, true);
      if (row.status === 'removed') throw removed();
      const next = {
        name: dto.name ?? row.name,
        category: dto.category ?? row.category,
        brand: dto.brand ?? row.brand,
        compatibleModels:
          dto.compatibleModels === undefined
            ? row.compatible_models
            : tidyModels(dto.compatibleModels),
      };
      // Re-checked only when what identifies the part changes (an approved listing stays approved
      // through a description edit).
      const identityChanged =
        next.name !== row.name ||
        next.category !== row.category ||
        next.compatibleModels.join('\n') !== row.compatible_models.join('\n');
      const duplicateOf = identityChanged
        ? await findNearDuplicate(tx, { id: row.id, dealerId: row.dealer_id, ...next })
        : row.duplicate_of;
      const { rows } = await execute<ListingRow>(
        tx,
        `UPDATE listings SET name = $2, category = $3, brand = $4, compatible_models = $5,
           condition = $6, hsn_code = $7, gst_rate_bps = $8, description = $9, duplicate_of = $10,
           search_text = $11, version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING ${LISTING_COLUMNS}`,
        [
          row.id,
          next.name,
          next.category,
          next.brand,
          next.compatibleModels,
          dto.condition ?? row.condition,
          dto.hsnCode ?? row.hsn_code,
          dto.gstRateBps ?? row.gst_rate_bps,
          dto.description ?? row.description,
          duplicateOf,
          searchTextOf({ ...next, sku: row.sku }),
        ],
      );
      row = rows[0]!;
      // A live listing edited into a near-duplicate goes back to review.
      if (
        identityChanged &&
        duplicateOf !== null &&
        (row.status === 'active' || (row.status === 'paused' && row.paused_by === 'dealer'))
      )
        row = await applyTransition(tx, row, 'flag', 'dealer', principal, {
          reason: 'near-duplicate of another listing',
        });
      return toListingDto(row);
    });
  }

  /**
   * Draft → in review (the dealer's first listings, or a flagged near-duplicate) or → active.
   * Serialized per dealer (advisory lock) so concurrent submits count activations exactly.
   */
  async submit(id: string, meta: RequestMeta): Promise<ListingDto> {
    const principal = meta.principal!;
    return this.transactions.run(async (tx) => {
      await execute(tx, `SELECT pg_advisory_xact_lock(hashtext('listing-review:' || $1))`, [
        principal.userId,
      ]);
      const row = await loadListing(tx, id, { principal, action: 'update' }, true);
      const { rows } = await execute<{ n: number }>(
        tx,
        `SELECT count(DISTINCT h.listing_id)::int AS n FROM listing_status_history h
         JOIN listings l ON l.id = h.listing_id
         WHERE l.dealer_id = $1 AND h.to_status = 'active'`,
        [row.dealer_id],
      );
      const to = submitTarget({
        activatedListings: rows[0]!.n,
        reviewFirstListings: this.config.catalog.reviewFirstListings,
        duplicate: row.duplicate_of !== null,
      });
      return toListingDto(await applyTransition(tx, row, 'submit', 'dealer', principal, { to }));
    });
  }

  async pause(id: string, meta: RequestMeta): Promise<ListingDto> {
    return this.simple(id, 'pause', meta);
  }

  async resume(id: string, meta: RequestMeta): Promise<ListingDto> {
    return this.simple(id, 'resume', meta);
  }

  private async simple(id: string, event: 'pause' | 'resume', meta: RequestMeta) {
    const principal = meta.principal!;
    return this.transactions.run(async (tx) => {
      const row = await loadListing(tx, id, { principal, action: 'update' }, true);
      return toListingDto(await applyTransition(tx, row, event, 'dealer', principal));
    });
  }

  /**
   * A complete new price set. Decreases and increases within the allowed jump go live (a `live` row);
   * a raise beyond it over the window's lowest live price is held in `pending_price` (a `held` row) and
   * the live prices stay. A newer change replaces a held one. Drafts (never sold) always go live.
   */
  async changePrices(
    id: string,
    dto: ChangePricesDto,
    meta: RequestMeta,
  ): Promise<PriceChangeResultDto> {
    const principal = meta.principal!;
    const prices = priceSetOf(dto);
    assertPrices(prices);
    return this.transactions.run(async (tx) => {
      const row = await loadListing(tx, id, { principal, action: 'update' }, true);
      if (row.status === 'removed') throw removed();
      const { maxPercent, windowHours } = this.config.catalog.priceJump;
      const jumps =
        row.status === 'draft'
          ? []
          : priceJumps(prices, await jumpBaseline(tx, row, windowHours), maxPercent);
      if (jumps.length > 0) {
        const { rows } = await execute<ListingRow>(
          tx,
          `UPDATE listings SET pending_price = $2::jsonb, version = version + 1, updated_at = now()
           WHERE id = $1 RETURNING ${LISTING_COLUMNS}`,
          [row.id, JSON.stringify({ ...prices, requestedAt: new Date().toISOString() })],
        );
        await insertPriceHistory(tx, row.id, prices, 'held', principal.userId);
        return { outcome: 'held' as const, jumps, listing: toListingDto(rows[0]!) };
      }
      const updated = await applyPrices(tx, row, prices);
      await insertPriceHistory(tx, row.id, prices, 'live', principal.userId);
      return { outcome: 'live' as const, listing: toListingDto(updated) };
    });
  }

  /** Sets stock on hand; refused (409 `listing/stock-below-reserved`) below what checkouts hold. */
  async setStock(id: string, dto: SetStockDto, meta: RequestMeta): Promise<ListingDto> {
    const principal = meta.principal!;
    return this.transactions.run(async (tx) => {
      const row = await loadListing(tx, id, { principal, action: 'update' }, true);
      if (row.status === 'removed') throw removed();
      if (dto.onHand < row.stock_reserved) throw belowReserved(row, dto.onHand);
      return toListingDto(
        await this.movement(
          tx,
          row,
          'set',
          dto.onHand - row.stock_on_hand,
          dto.reason ?? null,
          principal,
        ),
      );
    });
  }

  /**
   * Adds or takes out stock with a reason; never below what checkouts hold (conditional update).
   * Under an `Idempotency-Key`: a retried adjustment applies once and answers as the first time.
   */
  async adjustStock(
    id: string,
    dto: AdjustStockDto,
    key: string,
    meta: RequestMeta,
  ): Promise<IdempotentResult<ListingDto>> {
    const principal = meta.principal!;
    return this.transactions.run((tx) =>
      idempotent(
        tx,
        { ownerId: principal.userId, scope: `stock-adjustment:${id}`, key, request: dto },
        async () => {
          const row = await loadListing(tx, id, { principal, action: 'update' }, true);
          if (row.status === 'removed') throw removed();
          if (row.stock_on_hand + dto.delta < row.stock_reserved)
            throw belowReserved(row, row.stock_on_hand + dto.delta);
          if (row.stock_on_hand + dto.delta > MAX_STOCK)
            throw new AppProblem(
              422,
              'listing/stock-too-large',
              'Stock too large',
              `Stock on hand may not exceed ${MAX_STOCK} units (it would be ${row.stock_on_hand + dto.delta})`,
              { field: 'delta' },
            );
          return toListingDto(
            await this.movement(tx, row, 'adjust', dto.delta, dto.reason, principal),
          );
        },
      ),
    );
  }

  /** Applies an on-hand change with its movement row, conditionally (never below reserved). */
  private async movement(
    tx: EntityManager,
    row: ListingRow,
    kind: 'set' | 'adjust',
    delta: number,
    reason: string | null,
    principal: Principal,
  ): Promise<ListingRow> {
    const { rows } = await execute<ListingRow>(
      tx,
      `UPDATE listings SET stock_on_hand = stock_on_hand + $2, version = version + 1, updated_at = now()
       WHERE id = $1 AND stock_on_hand + $2 >= stock_reserved RETURNING ${LISTING_COLUMNS}`,
      [row.id, delta],
    );
    const updated = rows[0];
    if (updated === undefined) throw belowReserved(row, row.stock_on_hand + delta);
    await execute(
      tx,
      `INSERT INTO stock_movements (listing_id, kind, on_hand_delta, reserved_delta, on_hand_after,
         reserved_after, reason, actor_id)
       VALUES ($1, $2, $3, 0, $4, $5, $6, $7)`,
      [
        row.id,
        kind,
        delta,
        updated.stock_on_hand,
        updated.stock_reserved,
        reason,
        principal.userId,
      ],
    );
    return updated;
  }

  async get(id: string, meta: RequestMeta): Promise<ListingDetailDto> {
    return this.transactions.run(async (tx) =>
      detailOf(
        tx,
        await loadListing(tx, id, { principal: meta.principal!, action: 'read' }, false),
      ),
    );
  }

  /** The caller's listings, oldest first, cursor-paginated. */
  async list(q: DealerListingQueryDto, meta: RequestMeta): Promise<ListingPageDto> {
    const after = q.cursor === undefined ? undefined : listingCursor(q.cursor);
    const rows = await this.transactions.run(async (tx) => {
      const result = await execute<ListingRow & { cursor_at: string }>(
        tx,
        `SELECT ${LISTING_COLUMNS}, created_at::text AS cursor_at FROM listings
         WHERE dealer_id = $1 AND ($2::text IS NULL OR status = $2)
           AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
         ORDER BY created_at, id LIMIT $5`,
        [
          meta.principal!.userId,
          q.status ?? null,
          after?.at ?? null,
          after?.id ?? null,
          q.limit + 1,
        ],
      );
      return result.rows;
    });
    const last = rows.length > q.limit ? rows[q.limit - 1] : undefined;
    return {
      items: rows.slice(0, q.limit).map(toListingDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) } : {}),
    };
  }

  /** Stock movements of one of the caller's listings, newest first, cursor-paginated. */
  async movements(
    id: string,
    limit: number,
    cursor: string | undefined,
    meta: RequestMeta,
  ): Promise<StockMovementPageDto> {
    const before = parseKeysetCursor(cursor, { id: cursorFields.seqText })?.id;
    const rows = await this.transactions.run(async (tx) => {
      const row = await loadListing(tx, id, { principal: meta.principal!, action: 'read' }, false);
      const result = await execute<MovementRow>(
        tx,
        `SELECT id::text AS id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after,
           reason, reference, actor_id::text AS actor_id, created_at
         FROM stock_movements WHERE listing_id = $1 AND ($2::bigint IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3`,
        [row.id, before ?? null, limit + 1],
      );
      return result.rows;
    });
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map((m) => ({
        id: m.id,
        kind: m.kind,
        onHandDelta: m.on_hand_delta,
        reservedDelta: m.reserved_delta,
        onHandAfter: m.on_hand_after,
        reservedAfter: m.reserved_after,
        reason: m.reason,
        reference: m.reference,
        actorId: m.actor_id,
        at: m.created_at.toISOString(),
      })),
      ...(last ? { nextCursor: encodeCursor({ id: last.id }) } : {}),
    };
  }
}

function belowReserved(row: ListingRow, wanted: number): AppProblem {
  return new AppProblem(
    409,
    'listing/stock-below-reserved',
    'Stock held by checkouts',
    `Stock on hand cannot go below the ${row.stock_reserved} units reserved by unpaid checkouts (asked for ${wanted})`,
    { stockOnHand: row.stock_on_hand, stockReserved: row.stock_reserved },
  );
}

/** Makes `prices` live (and drops any held change, which they supersede). */
export async function applyPrices(
  tx: EntityManager,
  row: ListingRow,
  prices: PriceSet,
): Promise<ListingRow> {
  const { rows } = await execute<ListingRow>(
    tx,
    `UPDATE listings SET mrp_paise = $2, b2c_price_paise = $3, b2b_price_paise = $4, b2b_min_qty = $5,
       b2b_tiers = $6::jsonb, pending_price = NULL, version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING ${LISTING_COLUMNS}`,
    [
      row.id,
      prices.mrpPaise,
      prices.b2cPricePaise,
      prices.b2bPricePaise,
      prices.b2bMinQty,
      JSON.stringify(prices.tiers),
    ],
  );
  return rows[0]!;
}
