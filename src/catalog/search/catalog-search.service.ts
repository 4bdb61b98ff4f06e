/**
 * The buyers' view of the catalog: search and one listing, with the prices of the caller's channel.
 *
 * Visible = the listing is `active` and its dealer is an `approved` dealer account: a listing of a
 * pending, suspended or blocked dealer, and a draft, in-review, paused or removed listing, is never
 * shown (a single listing answers 404, as if it did not exist).
 *
 * Text search (`q`, lower-cased, whitespace collapsed) runs in two tiers. Full text first:
 * `search_vector @@ websearch_to_tsquery('simple', q)` (every word present; quotes and `-word`
 * work), ranked by ts_rank. Only when full text finds nothing (under the same filters) does it fall
 * back to typo matching: pg_trgm `q <% search_text` (word similarity ≥ WORD_SIMILARITY), ranked by
 * word_similarity, so "iphone 13 displya" finds the iPhone 13 displays first, then nearer misses.
 * Both tiers are served by GIN indexes. Why not both at once (full text OR trigram): on a 100,000-
 * listing catalog a typo-tolerant match over every query costs ~0.5–1 s (word_similarity on tens of
 * thousands of index candidates) where full text costs ~25 ms; and a query whose words all exist
 * gains only noise from near misses (iPhone 12 parts for "iphone 13 display"). Ranks are rounded
 * to 6 decimals (numeric), so the next page's keyset comparison is exact.
 *
 * Pagination is keyset, never offset: each sort orders by (key, id) with a total order — relevance
 * (rank desc, id desc), newest (created_at desc, id desc), price_asc (price asc, id asc),
 * price_desc (price desc, id desc) — and the cursor carries the last row's (key, id), so a page
 * starts strictly after it: across pages every visible row appears exactly once (rows inserted or
 * changed meanwhile may or may not show, but unchanged rows are never skipped or repeated). The
 * cursor also carries the text-search tier of the first page (so later pages read the same set) and
 * a hash of the criteria, sort and channel, and is refused with other ones.
 */
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem, ValidationProblem } from '../../common/errors/problem.js';
import { decodeCursor, encodeCursor } from '../../common/pagination.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import type {
  CatalogCategory,
  CatalogCondition,
  CatalogListingDetailDto,
  CatalogListingDto,
  CatalogListingPageDto,
  CatalogSort,
  CatalogTierDto,
  PriceChannel,
} from '../dto/catalog-search.dto.js';
import { AVAILABLE_DISPLAY_CAP } from './price-channel.js';

/**
 * pg_trgm word-similarity threshold for typo matches, set per transaction. 0.5 (below the extension's
 * default 0.6) so that one typo in a single short word still matches ("samsng" → Samsung is 0.57);
 * looser matches rank below closer ones and below every full-text match.
 */
export const WORD_SIMILARITY = 0.5;

export interface CatalogCriteria {
  readonly q?: string;
  readonly category?: CatalogCategory;
  readonly brand?: string;
  readonly model?: string;
  readonly condition?: CatalogCondition;
  readonly minPrice?: number;
  readonly maxPrice?: number;
  readonly inStock?: boolean;
  readonly sort?: CatalogSort;
}

interface ListingRow {
  id: string;
  name: string;
  category: CatalogCategory;
  brand: string;
  compatible_models: string[];
  condition: CatalogCondition;
  sku: string;
  hsn_code: string;
  gst_rate_bps: number;
  description?: string;
  mrp_paise: string;
  b2c_price_paise: string;
  b2b_price_paise: string;
  b2b_min_qty: number | null;
  b2b_tiers: unknown;
  available: number;
  created_at: Date;
  dealer_id: string;
  dealer_name: string;
  /** The sort key of this row, as text (exact). */
  sort_key: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_FORMAT: Record<CatalogSort, RegExp> = {
  relevance: /^\d{1,6}(\.\d{1,6})?$/,
  newest: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  price_asc: /^\d{1,16}$/,
  price_desc: /^\d{1,16}$/,
};

/** Normalises free text and model names: lower case, trimmed, inner whitespace collapsed. */
export function normaliseText(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** `all`: no text search; `fulltext`: full-text matches; `typo`: trigram word-similarity matches. */
type SearchMode = 'all' | 'fulltext' | 'typo';

const badCursor = (detail: string): ValidationProblem =>
  new ValidationProblem([{ field: 'cursor', in: 'query', messages: [detail] }]);

@Injectable()
export class CatalogSearchService {
  constructor(private readonly transactions: TransactionRunner) {}

  async search(
    channel: PriceChannel,
    criteria: CatalogCriteria,
    page: { limit: number; cursor?: string },
  ): Promise<CatalogListingPageDto> {
    if (
      criteria.minPrice !== undefined &&
      criteria.maxPrice !== undefined &&
      criteria.minPrice > criteria.maxPrice
    ) {
      throw new ValidationProblem([
        { field: 'maxPrice', in: 'query', messages: ['maxPrice must not be below minPrice'] },
      ]);
    }
    const q = criteria.q === undefined ? undefined : normaliseText(criteria.q);
    const sort: CatalogSort =
      criteria.sort === undefined || (criteria.sort === 'relevance' && q === undefined)
        ? q === undefined
          ? 'newest'
          : 'relevance'
        : criteria.sort;
    const fingerprint = criteriaHash(channel, sort, { ...criteria, q });
    const after =
      page.cursor === undefined
        ? undefined
        : positionOf(page.cursor, sort, fingerprint, q !== undefined);

    const build = (mode: SearchMode): { sql: string; params: unknown[] } => {
      const params: unknown[] = [];
      const p = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      const price = channel === 'b2b' ? 'l.b2b_price_paise' : 'l.b2c_price_paise';
      const where = [VISIBLE];
      let rank = 'NULL::numeric';
      if (mode === 'fulltext') {
        const tsq = `websearch_to_tsquery('simple', ${p(q)})`;
        where.push(`l.search_vector @@ ${tsq}`);
        rank = `round(ts_rank(l.search_vector, ${tsq})::numeric, 6)`;
      } else if (mode === 'typo') {
        const text = p(q);
        where.push(`${text} <% l.search_text`);
        rank = `round(word_similarity(${text}, l.search_text)::numeric, 6)`;
      }
      if (criteria.category !== undefined) where.push(`l.category = ${p(criteria.category)}`);
      if (criteria.condition !== undefined) where.push(`l.condition = ${p(criteria.condition)}`);
      if (criteria.brand !== undefined)
        where.push(`lower(btrim(l.brand)) = ${p(criteria.brand.trim().toLowerCase())}`);
      if (criteria.model !== undefined)
        // The expression of the GIN index listings_models_idx (migration Catalog1764190000000).
        where.push(
          `catalog_models_key(l.compatible_models) @> ARRAY[${p(normaliseText(criteria.model))}::text]`,
        );
      if (criteria.minPrice !== undefined)
        where.push(`${price} >= ${p(criteria.minPrice)}::bigint`);
      if (criteria.maxPrice !== undefined)
        where.push(`${price} <= ${p(criteria.maxPrice)}::bigint`);
      if (criteria.inStock !== undefined)
        where.push(
          criteria.inStock
            ? 'l.stock_on_hand > l.stock_reserved'
            : 'l.stock_on_hand <= l.stock_reserved',
        );

      // The sort key as exact text for the cursor, the ORDER BY, and the keyset predicate.
      type Keyset = { text: string; order: string; after: (k: string, i: string) => string };
      const keysets: Record<CatalogSort, Keyset> = {
        relevance: {
          text: `(${rank})::text`,
          order: `${rank} DESC, l.id DESC`,
          after: (k, i) => `(${rank}, l.id) < (${k}::numeric, ${i}::uuid)`,
        },
        newest: {
          text: `to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
          order: 'l.created_at DESC, l.id DESC',
          after: (k, i) => `(l.created_at, l.id) < (${k}::timestamptz, ${i}::uuid)`,
        },
        price_asc: {
          text: `${price}::text`,
          order: `${price} ASC, l.id ASC`,
          after: (k, i) => `(${price}, l.id) > (${k}::bigint, ${i}::uuid)`,
        },
        price_desc: {
          text: `${price}::text`,
          order: `${price} DESC, l.id DESC`,
          after: (k, i) => `(${price}, l.id) < (${k}::bigint, ${i}::uuid)`,
        },
      };
      const chosen = keysets[sort];
      if (after) {
        const k = p(after.key);
        where.push(chosen.after(k, p(after.id)));
      }
      const sql = `SELECT ${COLUMNS}, ${chosen.text} AS sort_key
                     FROM listings l JOIN users u ON u.id = l.dealer_id
                    WHERE ${where.join('\n AND ')}
                    ORDER BY ${chosen.order}
                    LIMIT ${p(page.limit + 1)}`;
      return { sql, params };
    };

    // Without a cursor: full text first, typo matching only when full text finds nothing. With one:
    // the mode of the first page, so every page of a search reads the same set.
    const modes: SearchMode[] =
      q === undefined ? ['all'] : after ? [after.mode] : ['fulltext', 'typo'];
    const { mode, rows } = await this.transactions.run(async (tx) => {
      let found: { mode: SearchMode; rows: ListingRow[] } = { mode: modes[0]!, rows: [] };
      for (const m of modes) {
        if (m === 'typo') await prepareTypoSearch(tx);
        const { sql, params } = build(m);
        found = { mode: m, rows: (await execute<ListingRow>(tx, sql, params)).rows };
        if (found.rows.length > 0) break;
      }
      return found;
    });
    const more = rows.length > page.limit;
    const shown = more ? rows.slice(0, page.limit) : rows;
    const last = shown[shown.length - 1];
    return {
      channel,
      items: shown.map((row) => listingDto(channel, row)),
      ...(more && last
        ? {
            nextCursor: encodeCursor({
              s: sort,
              m: mode,
              h: fingerprint,
              k: last.sort_key,
              i: last.id,
            }),
          }
        : {}),
    };
  }

  /** One visible listing, or 404 (also for listings that exist but are not visible). */
  async listing(channel: PriceChannel, id: string): Promise<CatalogListingDetailDto> {
    const rows = await this.transactions.run(
      async (tx) =>
        (
          await execute<ListingRow>(
            tx,
            `SELECT ${COLUMNS}, l.description, '' AS sort_key
               FROM listings l JOIN users u ON u.id = l.dealer_id
              WHERE ${VISIBLE} AND l.id = $1`,
            [id],
          )
        ).rows,
    );
    const row = rows[0];
    if (!row)
      throw new AppProblem(404, 'catalog/listing-not-found', 'Not found', 'No such listing');
    return { ...listingDto(channel, row), description: row.description ?? '' };
  }
}

/** Active listings of approved dealers: the only ones buyers ever see. */
const VISIBLE = `l.status = 'active' AND u.role = 'dealer' AND u.status = 'approved'`;

const COLUMNS = `l.id, l.name, l.category, l.brand, l.compatible_models, l.condition, l.sku,
  l.hsn_code, l.gst_rate_bps, l.mrp_paise::text AS mrp_paise,
  l.b2c_price_paise::text AS b2c_price_paise, l.b2b_price_paise::text AS b2b_price_paise,
  l.b2b_min_qty, l.b2b_tiers, GREATEST(l.stock_on_hand - l.stock_reserved, 0) AS available,
  l.created_at, l.dealer_id, COALESCE(u.business_name, u.display_name) AS dealer_name`;

/**
 * For this transaction: the typo threshold, and no sequential scan of listings. The planner
 * underestimates `<%` (word_similarity on every row costs far more than it assumes) and would
 * otherwise scan the whole table instead of rechecking the trigram index's candidates.
 */
async function prepareTypoSearch(tx: EntityManager): Promise<void> {
  await execute(
    tx,
    `SELECT set_config('pg_trgm.word_similarity_threshold', $1, true),
            set_config('enable_seqscan', 'off', true)`,
    [String(WORD_SIMILARITY)],
  );
}

function paise(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new Error(`not an exact paise amount: ${String(value)}`);
  return n;
}

function tiersOf(value: unknown): CatalogTierDto[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((t: { minQty?: unknown; pricePaise?: unknown }) => ({
      minQty: paise(t.minQty),
      pricePaise: paise(t.pricePaise),
    }))
    .sort((a, b) => a.minQty - b.minQty);
}

/**
 * The listing as `channel` sees it. Members are added per channel, never set to null or undefined
 * for the others, so a response cannot carry the other channel's price.
 */
export function listingDto(channel: PriceChannel, row: ListingRow): CatalogListingDto {
  const available = Number(row.available);
  const base = {
    id: row.id,
    channel,
    name: row.name,
    category: row.category,
    brand: row.brand,
    compatibleModels: row.compatible_models,
    condition: row.condition,
    sku: row.sku,
    hsnCode: row.hsn_code,
    gstRateBps: row.gst_rate_bps,
    dealer: { id: row.dealer_id, businessName: row.dealer_name },
    mrpPaise: paise(row.mrp_paise),
  };
  const stock = {
    inStock: available > 0,
    available: channel === 'staff' ? available : Math.min(available, AVAILABLE_DISPLAY_CAP),
    createdAt: row.created_at.toISOString(),
  };
  switch (channel) {
    case 'b2c':
      return { ...base, pricePaise: paise(row.b2c_price_paise), ...stock };
    case 'b2b':
      return {
        ...base,
        pricePaise: paise(row.b2b_price_paise),
        b2bMinQty: row.b2b_min_qty,
        tiers: tiersOf(row.b2b_tiers),
        ...stock,
      };
    case 'staff':
      return {
        ...base,
        b2cPricePaise: paise(row.b2c_price_paise),
        b2bPricePaise: paise(row.b2b_price_paise),
        b2bMinQty: row.b2b_min_qty,
        tiers: tiersOf(row.b2b_tiers),
        ...stock,
      };
  }
}

function criteriaHash(channel: PriceChannel, sort: CatalogSort, c: CatalogCriteria): string {
  const canonical = JSON.stringify([
    channel,
    sort,
    c.q ?? null,
    c.category ?? null,
    c.brand === undefined ? null : c.brand.trim().toLowerCase(),
    c.model === undefined ? null : normaliseText(c.model),
    c.condition ?? null,
    c.minPrice ?? null,
    c.maxPrice ?? null,
    c.inStock ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

function positionOf(
  cursor: string,
  sort: CatalogSort,
  fingerprint: string,
  textSearch: boolean,
): { key: string; id: string; mode: SearchMode } {
  const c = decodeCursor(cursor);
  const modes: readonly unknown[] = textSearch ? ['fulltext', 'typo'] : ['all'];
  if (
    !c ||
    typeof c.s !== 'string' ||
    !modes.includes(c.m) ||
    typeof c.h !== 'string' ||
    typeof c.k !== 'string' ||
    typeof c.i !== 'string' ||
    !UUID.test(c.i)
  )
    throw badCursor('cursor is not one this endpoint returned');
  if (c.s !== sort || c.h !== fingerprint)
    throw badCursor(
      'cursor belongs to a search with other criteria, sort or price channel; start again without it',
    );
  if (!KEY_FORMAT[sort].test(c.k)) throw badCursor('cursor is not one this endpoint returned');
  return { key: c.k, id: c.i, mode: c.m as SearchMode };
}
