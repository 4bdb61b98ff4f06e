/**
 * The SQL of listings shared by the dealer and moderation services: reading and locking a listing,
 * writing status changes through the state machine (with their history row), price history rows,
 * the price-jump baseline and near-duplicate detection. Only these services touch the tables.
 */
import { subject } from '@casl/ability';
import type { EntityManager } from 'typeorm';
import { defineAbilityFor, type Action } from '../../access/ability.factory.js';
import type { Principal } from '../../common/roles.js';
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, parseKeysetCursor } from '../../common/pagination.js';
import { execute } from '../../database/sql.js';
import type { HeadlinePrices, PriceSet, PriceTier } from '../domain/listing-pricing.js';
import { transition } from '../../common/state-transition.js';
import {
  LISTING_MACHINE,
  type Actor,
  type ListingEvent,
  type ListingState,
  type ListingStatus,
  type PausedBy,
} from '../domain/listing-state.js';
import { DUPLICATE_SIMILARITY, normalizeModels, normalizedSql } from '../domain/listing-text.js';
import type {
  ListingCategory,
  ListingCondition,
  ListingDetailDto,
  ListingDto,
  ListingPriceChangeDto,
  ListingStatusChangeDto,
} from '../dto/listing.dto.js';

export interface ListingRow {
  id: string;
  dealer_id: string;
  sku: string;
  name: string;
  category: ListingCategory;
  brand: string;
  compatible_models: string[];
  condition: ListingCondition;
  hsn_code: string;
  gst_rate_bps: number;
  description: string;
  mrp_paise: string;
  b2c_price_paise: string;
  b2b_price_paise: string;
  b2b_min_qty: number | null;
  b2b_tiers: PriceTier[];
  stock_on_hand: number;
  stock_reserved: number;
  status: ListingStatus;
  paused_by: PausedBy | null;
  status_reason: string | null;
  pending_price: (PriceSet & { requestedAt: string }) | null;
  duplicate_of: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const LISTING_COLUMNS = `id::text AS id, dealer_id::text AS dealer_id, sku, name, category, brand,
  compatible_models, condition, hsn_code, gst_rate_bps, description, mrp_paise::text AS mrp_paise,
  b2c_price_paise::text AS b2c_price_paise, b2b_price_paise::text AS b2b_price_paise, b2b_min_qty,
  b2b_tiers, stock_on_hand, stock_reserved, status, paused_by, status_reason, pending_price,
  duplicate_of::text AS duplicate_of, version, created_at, updated_at`;

export const listingNotFound = () =>
  new AppProblem(404, 'listing/not-found', 'Not found', 'No such listing');

export function toListingDto(r: ListingRow): ListingDto {
  return {
    id: r.id,
    dealerId: r.dealer_id,
    sku: r.sku,
    name: r.name,
    category: r.category,
    brand: r.brand,
    compatibleModels: r.compatible_models,
    condition: r.condition,
    hsnCode: r.hsn_code,
    gstRateBps: r.gst_rate_bps,
    description: r.description,
    mrpPaise: Number(r.mrp_paise),
    b2cPricePaise: Number(r.b2c_price_paise),
    b2bPricePaise: Number(r.b2b_price_paise),
    b2bMinQty: r.b2b_min_qty,
    tiers: r.b2b_tiers,
    stockOnHand: r.stock_on_hand,
    stockReserved: r.stock_reserved,
    stockAvailable: r.stock_on_hand - r.stock_reserved,
    status: r.status,
    pausedBy: r.paused_by,
    statusReason: r.status_reason,
    pendingPrice: r.pending_price,
    duplicateOf: r.duplicate_of,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export const livePricesOf = (r: ListingRow): PriceSet => ({
  mrpPaise: Number(r.mrp_paise),
  b2cPricePaise: Number(r.b2c_price_paise),
  b2bPricePaise: Number(r.b2b_price_paise),
  b2bMinQty: r.b2b_min_qty,
  tiers: r.b2b_tiers,
});

/**
 * The listing, locked until commit (`FOR UPDATE`) when `lock`. For a dealer, another dealer's
 * listing is answered exactly like a missing one (404), so existence does not leak.
 */
export async function loadListing(
  tx: EntityManager,
  id: string,
  access: { principal: Principal; action: Action } | null,
  lock: boolean,
): Promise<ListingRow> {
  const { rows } = await execute<ListingRow>(
    tx,
    `SELECT ${LISTING_COLUMNS} FROM listings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const row = rows[0];
  if (row === undefined) throw listingNotFound();
  if (
    access !== null &&
    !defineAbilityFor(access.principal).can(
      access.action,
      subject('Listing', { dealerId: row.dealer_id }),
    )
  )
    throw listingNotFound();
  return row;
}

/**
 * Moves the locked listing through the state machine (the common `transition`) and writes the
 * history row; 409 `listing/invalid-transition` (or 400 `listing/reason-required`) if the table refuses.
 */
export async function applyTransition(
  tx: EntityManager,
  row: ListingRow,
  event: ListingEvent,
  actor: Actor,
  principal: Principal,
  options: { to?: ListingState; reason?: string | null } = {},
): Promise<ListingRow> {
  const reason = options.reason ?? null;
  const { row: updated } = await transition(
    tx,
    LISTING_MACHINE,
    {
      from: { status: row.status, pausedBy: row.paused_by },
      event,
      actor,
      ...(options.to !== undefined ? { to: options.to } : {}),
      reason,
      reasonRequiredStatus: 400,
      problem: { listingStatus: row.status, ...(row.paused_by ? { pausedBy: row.paused_by } : {}) },
    },
    {
      historyTable: 'listing_status_history',
      update: async (from, to) => {
        const { rows, affected } = await execute<ListingRow>(
          tx,
          `UPDATE listings SET status = $2, paused_by = $3, status_reason = $4, version = version + 1,
             updated_at = now()
           WHERE id = $1 AND status = $5 AND paused_by IS NOT DISTINCT FROM $6
           RETURNING ${LISTING_COLUMNS}`,
          [row.id, to.status, to.pausedBy, reason, from.status, from.pausedBy],
        );
        return { affected, row: rows[0] };
      },
      insertHistory: async (from, to) => {
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO listing_status_history (listing_id, from_status, to_status, reason, actor_id, actor_role)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id`,
          [row.id, from.status, to.status, reason, principal.userId, principal.role],
        );
        return rows[0]!.id;
      },
    },
  );
  return updated!;
}

export async function insertPriceHistory(
  tx: EntityManager,
  listingId: string,
  prices: PriceSet,
  kind: 'live' | 'held' | 'approved' | 'rejected',
  actorId: string,
  reason: string | null = null,
): Promise<void> {
  await execute(
    tx,
    `INSERT INTO listing_price_history (listing_id, mrp_paise, b2c_price_paise, b2b_price_paise,
       b2b_tiers, kind, actor_id, reason)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)`,
    [
      listingId,
      prices.mrpPaise,
      prices.b2cPricePaise,
      prices.b2bPricePaise,
      JSON.stringify(prices.tiers),
      kind,
      actorId,
      reason,
    ],
  );
}

/** Per headline price, the lowest live price within the last `windowHours` (the current one included). */
export async function jumpBaseline(
  tx: EntityManager,
  row: ListingRow,
  windowHours: number,
): Promise<HeadlinePrices> {
  const { rows } = await execute<{ mrp: string | null; b2c: string | null; b2b: string | null }>(
    tx,
    `SELECT min(mrp_paise)::text AS mrp, min(b2c_price_paise)::text AS b2c, min(b2b_price_paise)::text AS b2b
     FROM listing_price_history
     WHERE listing_id = $1 AND kind = 'live' AND created_at > now() - make_interval(hours => $2)`,
    [row.id, windowHours],
  );
  const live = livePricesOf(row);
  const w = rows[0]!;
  const min = (a: number, b: string | null) => (b === null ? a : Math.min(a, Number(b)));
  return {
    mrpPaise: min(live.mrpPaise, w.mrp),
    b2cPricePaise: min(live.b2cPricePaise, w.b2c),
    b2bPricePaise: min(live.b2bPricePaise, w.b2b),
  };
}

/**
 * Another listing of the same dealer (not removed) this one nearly duplicates: same category and a
 * name similarity above DUPLICATE_SIMILARITY, or the same normalized name and set of models.
 */
export async function findNearDuplicate(
  tx: EntityManager,
  l: {
    id: string | null;
    dealerId: string;
    name: string;
    category: string;
    compatibleModels: string[];
  },
): Promise<string | null> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `SELECT id::text AS id FROM listings
     WHERE dealer_id = $1 AND ($2::uuid IS NULL OR id <> $2) AND status <> 'removed'
       AND ((category = $3 AND similarity(lower(name), lower($4)) > $5)
         OR (${normalizedSql('name')} = ${normalizedSql('$4')}
             AND ARRAY(SELECT ${normalizedSql('m')} FROM unnest(compatible_models) m) @> $6::text[]
             AND ARRAY(SELECT ${normalizedSql('m')} FROM unnest(compatible_models) m) <@ $6::text[]))
     ORDER BY created_at, id LIMIT 1`,
    [
      l.dealerId,
      l.id,
      l.category,
      l.name,
      DUPLICATE_SIMILARITY,
      normalizeModels(l.compatibleModels),
    ],
  );
  return rows[0]?.id ?? null;
}

interface StatusRow {
  from_status: ListingStatus | null;
  to_status: ListingStatus;
  reason: string | null;
  actor_id: string | null;
  actor_role: string;
  created_at: Date;
}
interface PriceRow {
  mrp_paise: string;
  b2c_price_paise: string;
  b2b_price_paise: string;
  b2b_tiers: PriceTier[];
  kind: ListingPriceChangeDto['kind'];
  actor_id: string | null;
  reason: string | null;
  created_at: Date;
}

/** The listing with its latest 200 status and price changes, oldest first. */
export async function detailOf(tx: EntityManager, row: ListingRow): Promise<ListingDetailDto> {
  const { rows: statuses } = await execute<StatusRow>(
    tx,
    `SELECT * FROM (SELECT id, from_status, to_status, reason, actor_id::text AS actor_id, actor_role, created_at
       FROM listing_status_history WHERE listing_id = $1 ORDER BY id DESC LIMIT 200) h ORDER BY id`,
    [row.id],
  );
  const { rows: prices } = await execute<PriceRow>(
    tx,
    `SELECT * FROM (SELECT id, mrp_paise::text AS mrp_paise, b2c_price_paise::text AS b2c_price_paise,
       b2b_price_paise::text AS b2b_price_paise, b2b_tiers, kind, actor_id::text AS actor_id, reason, created_at
       FROM listing_price_history WHERE listing_id = $1 ORDER BY id DESC LIMIT 200) h ORDER BY id`,
    [row.id],
  );
  const statusHistory: ListingStatusChangeDto[] = statuses.map((s) => ({
    fromStatus: s.from_status,
    toStatus: s.to_status,
    reason: s.reason,
    actorId: s.actor_id,
    actorRole: s.actor_role,
    at: s.created_at.toISOString(),
  }));
  const priceHistory: ListingPriceChangeDto[] = prices.map((p) => ({
    mrpPaise: Number(p.mrp_paise),
    b2cPricePaise: Number(p.b2c_price_paise),
    b2bPricePaise: Number(p.b2b_price_paise),
    // The history keeps tiers, not the minimum quantity.
    b2bMinQty: null,
    tiers: p.b2b_tiers,
    kind: p.kind,
    actorId: p.actor_id,
    reason: p.reason,
    at: p.created_at.toISOString(),
  }));
  return { ...toListingDto(row), statusHistory, priceHistory };
}

/** A (created_at, id) cursor position, or 400 `request/invalid-cursor`. */
export function listingCursor(cursor: string): { at: string; id: string } {
  return parseKeysetCursor(cursor, { at: cursorFields.pgTimestamp, id: cursorFields.uuid });
}
