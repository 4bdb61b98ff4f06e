/**
 * The buyers' view of the catalog: search and one listing, with the prices of the caller's channel.
 *
 * Visible = the listing is `active` and its dealer is an `approved` dealer account: a listing of a
 * pending, suspended or blocked dealer, and a draft, in-review, paused or removed listing, is never
 * shown (a single listing answers 404, as if it did not exist).
 *
 * Text search (`q`, lower-cased, whitespace collapsed) runs in two tiers. Full text first:
 * `search_vector @@ websearch_to_tsquery('simple', q)` (every word present; quotes and `-word`
 * work), ranked by ts_rank. Only when full text finds nothing (under the same filters) does the typo
 * tier run, on the words of `q` (the first MAX_TYPO_WORDS; quotes ignored, `-word` still excludes):
 * each word missing from the catalog's lexicon (`catalog_words`: the distinct words of active
 * listings, kept exact by triggers, migration SearchLexicon1764220000000) is corrected to the
 * lexicon's nearest words — candidates by pg_trgm similarity (`%` on the lexicon's trigram index),
 * kept within 1 edit up to 5 letters and 2 beyond (optimal string alignment: "displya" → "display"
 * is 1); words with a digit ("13", "m31") and words under 4 letters are never corrected. Then full
 * text runs again with those words: each word matches any of its alternatives, and a listing needs
 * every word or, for 3 words or more, all but one (near misses: "iphone 13 displya" shows the
 * iPhone 13 displays, then other iPhones' displays and other iPhone 13 parts). A word nothing in
 * the catalog resembles matches nothing, so a query of such words finds nothing. Typo relevance =
 * words matched, + ½ × the share of the query's letters matched (each word weighted by its
 * correction's score, 1 − edits ÷ length), + 0.1 × ts_rank (proximity): listings with every word
 * are read first and near misses only when a page needs more. The page says what was searched
 * (`correctedQuery`) when a word was corrected or dropped. Each step is served by an index (the
 * lexicon lookup costs well under a millisecond on a 100,000-listing catalog, where comparing the
 * query with every listing's text cost ~0.5–1 s). Why not the typo tier always: a query whose words
 * all exist would gain only noise (iPhone 12 parts for "iphone 13 display"). Ranks are rounded to 6
 * decimals (numeric), so the next page's keyset comparison is exact.
 *
 * Pagination is keyset, never offset: each sort orders by (key, id) with a total order — relevance
 * (rank desc, id desc), newest (created_at desc, id desc), price_asc (price asc, id asc),
 * price_desc (price desc, id desc) — and the cursor carries the last row's (key, id), so a page
 * starts strictly after it: across pages every visible row appears exactly once (rows inserted or
 * changed meanwhile may or may not show, but unchanged rows are never skipped or repeated). The
 * cursor also carries the text-search tier of the first page (so later pages read the same set), for
 * the typo tier a hash of the corrections (recomputed per page; a cursor whose corrections the
 * lexicon no longer gives is refused), and a hash of the criteria, sort and channel, and is refused
 * with other ones.
 */
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem, ValidationProblem } from '../../common/errors/problem.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../../common/pagination.js';
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
import { catalogImagesOf } from '../images/listing-image-store.js';
import {
  CORRECTION_SIMILARITY,
  type Correction,
  correctionsFor,
  MAX_TYPO_WORDS,
  MIN_CORRECTABLE_LENGTH,
  tsqueryLexeme,
  typoTerms,
} from '../domain/listing-text.js';
import { AVAILABLE_DISPLAY_CAP } from './price-channel.js';
import { UUID } from '../../common/uuid.js';

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

/** `all`: no text search; `fulltext`: full-text matches; `typo`: full text with corrected words. */
type SearchMode = 'all' | 'fulltext' | 'typo';

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

    // One query: visible listings, narrowed (and, for relevance, ranked) by `text`, filtered by the
    // criteria, after the cursor's position, in the sort's order.
    const build = (
      text: TextMatch | undefined,
      limit: number,
    ): { sql: string; params: unknown[] } => {
      const params: unknown[] = [];
      const p = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      const price = channel === 'b2b' ? 'l.b2b_price_paise' : 'l.b2c_price_paise';
      const where = [VISIBLE];
      let rank = 'NULL::numeric';
      let ranked = '';
      if (text) {
        const match = text(p);
        where.push(...match.where);
        if (sort === 'relevance') {
          // Computed once per row (OFFSET 0 keeps the subquery from being inlined three times).
          ranked = `CROSS JOIN LATERAL (SELECT ${match.rank()} AS rank OFFSET 0) r`;
          rank = 'r.rank';
        }
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
                     FROM listings l JOIN users u ON u.id = l.dealer_id ${ranked}
                    WHERE ${where.join('\n AND ')}
                    ORDER BY ${chosen.order}
                    LIMIT ${p(limit)}`;
      return { sql, params };
    };

    const fulltext: TextMatch = (p) => {
      const tsq = `websearch_to_tsquery('simple', ${p(q)})`;
      return {
        where: [`l.search_vector @@ ${tsq}`],
        rank: () => `round(ts_rank(l.search_vector, ${tsq})::numeric, 6)`,
      };
    };

    // Without a cursor: full text first, the typo tier only when full text finds nothing. With one:
    // the tier of the first page, so every page of a search reads the same set. Reads on one pooled
    // connection, each statement its own transaction (READ COMMITTED gives every statement its own
    // snapshot anyway): no BEGIN and COMMIT round trips around a search.
    const found = await this.transactions.onOneConnection(
      async ({ manager: tx }): Promise<Found> => {
        const read = async (text: TextMatch | undefined, limit: number): Promise<ListingRow[]> => {
          const { sql, params } = build(text, limit);
          return (await execute<ListingRow>(tx, sql, params)).rows;
        };
        if (q === undefined) return { mode: 'all', rows: await read(undefined, page.limit + 1) };
        if (!after || after.mode === 'fulltext') {
          const rows = await read(fulltext, page.limit + 1);
          if (rows.length > 0 || after) return { mode: 'fulltext', rows };
        }
        const plan = await planTypoSearch(tx, q);
        if (after && after.plan !== planHash(plan))
          throw invalidCursor(
            "the catalog's words changed since the first page of this search; start again without the cursor",
          );
        const queries = typoQueries(plan);
        if (!queries) return { mode: 'typo', rows: [], plan };
        if (sort !== 'relevance')
          return {
            mode: 'typo',
            rows: await read(typoMatch(plan, queries, queries.whole), page.limit + 1),
            plan,
            queries,
          };
        // Relevance: the listings with every word, then (3+ words) those lacking one, each stratum
        // only while the page needs more. A stratum's ranks lie in [base, base + 1): one whose base is
        // above the cursor's key was read to its end on earlier pages.
        const rows: ListingRow[] = [];
        for (const stratum of queries.strata) {
          if (after && Number(after.key) < stratum.base) continue;
          rows.push(
            ...(await read(typoMatch(plan, queries, stratum), page.limit + 1 - rows.length)),
          );
          if (rows.length > page.limit) break;
        }
        return { mode: 'typo', rows, plan, queries };
      },
    );
    const { mode, rows } = found;
    const more = rows.length > page.limit;
    const shown = more ? rows.slice(0, page.limit) : rows;
    const last = shown[shown.length - 1];
    const correctedQuery = found.queries && found.plan ? correctedQueryOf(found.plan) : undefined;
    return {
      channel,
      ...(correctedQuery !== undefined ? { correctedQuery } : {}),
      items: shown.map((row) => listingDto(channel, row)),
      ...(more && last
        ? {
            nextCursor: encodeCursor({
              s: sort,
              m: mode,
              h: fingerprint,
              k: last.sort_key,
              i: last.id,
              ...(found.plan ? { p: planHash(found.plan) } : {}),
            }),
          }
        : {}),
    };
  }

  /** One visible listing, or 404 (also for listings that exist but are not visible). */
  async listing(channel: PriceChannel, id: string): Promise<CatalogListingDetailDto> {
    const { rows, images } = await this.transactions.onOneConnection(async ({ manager: tx }) => {
      const { rows } = await execute<ListingRow>(
        tx,
        `SELECT ${COLUMNS}, l.description, '' AS sort_key
           FROM listings l JOIN users u ON u.id = l.dealer_id
          WHERE ${VISIBLE} AND l.id = $1`,
        [id],
      );
      return { rows, images: rows.length > 0 ? await catalogImagesOf(tx, id) : [] };
    });
    const row = rows[0];
    if (!row)
      throw new AppProblem(404, 'catalog/listing-not-found', 'Not found', 'No such listing');
    return { ...listingDto(channel, row), description: row.description ?? '', images };
  }
}

/** Active listings of approved dealers: the only ones buyers ever see. */
export const VISIBLE = `l.status = 'active' AND u.role = 'dealer' AND u.status = 'approved'`;

const COLUMNS = `l.id, l.name, l.category, l.brand, l.compatible_models, l.condition, l.sku,
  l.hsn_code, l.gst_rate_bps, l.mrp_paise::text AS mrp_paise,
  l.b2c_price_paise::text AS b2c_price_paise, l.b2b_price_paise::text AS b2b_price_paise,
  l.b2b_min_qty, l.b2b_tiers, GREATEST(l.stock_on_hand - l.stock_reserved, 0) AS available,
  l.created_at, l.dealer_id, COALESCE(u.business_name, u.display_name) AS dealer_name`;

/** Relevance in the typo tier: weight of the (correction-scored) share of the query's letters matched. */
const COVERAGE_WEIGHT = 0.5;
/** Relevance in the typo tier: weight of ts_rank (normalised to [0, 1): proximity of the words). */
const TS_RANK_WEIGHT = 0.1;
/** Correction candidates read from the lexicon per query word (most trigram-similar first). */
const CORRECTION_CANDIDATES = 20;

/** The words of a query for the typo tier, each with the catalog words that may stand for it. */
interface TypoPlan {
  /** In query order: a word (lexeme) of `q` and its alternatives (none: nothing close enough). */
  readonly words: readonly { word: string; alts: readonly Correction[] }[];
  /** Excluded words and phrases (`-word`, `-"a phrase"`), as typed. */
  readonly negative: readonly string[];
}

/** A set of listings of the typo tier (tsquery texts) and the integer part of its ranks. */
interface Stratum {
  match: string;
  exclude?: string;
  base: number;
}

interface TypoQueries {
  /** Every word (any of its alternatives): the query ts_rank reads. */
  all: string;
  /** Relevance: the strata, best first (ranks of one stratum lie in [base, base + 1)). */
  strata: Stratum[];
  /** Other sorts: the whole set at once. */
  whole: Stratum;
}

/** How text narrows a query (`where`) and, for relevance, ranks it (`rank`, numeric). */
type TextMatch = (p: (value: unknown) => string) => { where: string[]; rank: () => string };

interface Found {
  mode: SearchMode;
  rows: ListingRow[];
  plan?: TypoPlan;
  queries?: TypoQueries;
}

/**
 * The words of a query (lexemes of `to_tsvector('simple', …)`, as listings' search vectors hold
 * them, in query order, at most $2), whether the lexicon has each, and for a word it lacks (long
 * enough, no digit) the lexicon's most trigram-similar digit-free words (the partial trigram index
 * of catalog_words).
 */
const LEXICON_SQL = `
  WITH words AS (
    SELECT w.lexeme AS word, w.positions[1] AS pos
      FROM unnest(to_tsvector('simple', $1)) w
     ORDER BY w.positions[1]
     LIMIT $2
  )
  SELECT w.word, k.known, c.word AS candidate, c.listings
    FROM words w
   CROSS JOIN LATERAL (
         SELECT EXISTS (SELECT 1 FROM catalog_words cw WHERE cw.word = w.word) AS known) k
    LEFT JOIN LATERAL (
         SELECT cw.word, cw.listings FROM catalog_words cw
          WHERE NOT k.known AND length(w.word) >= $3 AND w.word !~ '[0-9]'
            AND cw.word !~ '[0-9]' AND cw.word % w.word
          ORDER BY similarity(cw.word, w.word) DESC, cw.word
          LIMIT $4) c ON true
   ORDER BY w.pos, c.word`;

/**
 * Looks the words of `q` up in the lexicon and corrects those it lacks. The similarity threshold is
 * set for one transaction (`set_config(…, true)`), opened here when `tx` is outside one.
 */
async function planTypoSearch(tx: EntityManager, q: string): Promise<TypoPlan> {
  const { positive, negative } = typoTerms(q);
  const runner = tx.queryRunner!;
  const own = !runner.isTransactionActive;
  if (own) await runner.startTransaction();
  let rows: { word: string; known: boolean; candidate: string | null; listings: number | null }[];
  try {
    await execute(tx, `SELECT set_config('pg_trgm.similarity_threshold', $1, true)`, [
      String(CORRECTION_SIMILARITY),
    ]);
    rows = (
      await execute<(typeof rows)[number]>(tx, LEXICON_SQL, [
        positive,
        MAX_TYPO_WORDS,
        MIN_CORRECTABLE_LENGTH,
        CORRECTION_CANDIDATES,
      ])
    ).rows;
    if (own) await runner.commitTransaction();
  } catch (err) {
    if (own) await runner.rollbackTransaction();
    throw err;
  }
  const words = new Map<
    string,
    { known: boolean; candidates: { word: string; listings: number }[] }
  >();
  for (const r of rows) {
    const w = words.get(r.word) ?? { known: r.known, candidates: [] };
    words.set(r.word, w);
    if (r.candidate !== null)
      w.candidates.push({ word: r.candidate, listings: Number(r.listings) });
  }
  return {
    words: [...words].map(([word, w]) => ({
      word,
      alts: w.known ? [{ lexeme: word, score: 1 }] : correctionsFor(word, w.candidates),
    })),
    negative,
  };
}

/**
 * The tsqueries of a typo plan, or none when it cannot find anything new: listings must match every
 * word (any alternative), or for 3+ words all but one; a plan without corrections that needs every
 * word is the full-text query again (which found nothing).
 */
function typoQueries(plan: TypoPlan): TypoQueries | undefined {
  const n = plan.words.length;
  const missing = n >= 3 ? 1 : 0;
  const groups = plan.words
    .filter((w) => w.alts.length > 0)
    .map((w) => `(${w.alts.map((a) => tsqueryLexeme(a.lexeme)).join(' | ')})`);
  if (n === 0 || groups.length < n - missing) return undefined;
  const corrected = plan.words.some((w) => w.alts.length !== 1 || w.alts[0]!.lexeme !== w.word);
  if (!corrected && missing === 0) return undefined;
  const all = groups.join(' & ');
  if (groups.length === n && missing > 0) {
    const near = groups
      .map((_, i) => `(${groups.filter((_g, j) => j !== i).join(' & ')})`)
      .join(' | ');
    return {
      all,
      strata: [
        { match: all, base: n },
        { match: near, exclude: all, base: n - 1 },
      ],
      whole: { match: near, base: 0 },
    };
  }
  return { all, strata: [{ match: all, base: groups.length }], whole: { match: all, base: 0 } };
}

const weightOf = (word: string): number => [...word].length;

/**
 * One stratum of the typo tier as a text match. Rank = base (words matched) + COVERAGE_WEIGHT × the
 * share of the query's letters matched, each word by its best matching alternative's score, +
 * TS_RANK_WEIGHT × ts_rank(…, 32) — below base + 1, so strata never interleave.
 */
function typoMatch(plan: TypoPlan, queries: TypoQueries, stratum: Stratum): TextMatch {
  return (p) => {
    const where = [`l.search_vector @@ ${p(stratum.match)}::tsquery`];
    if (stratum.exclude !== undefined)
      where.push(`NOT (l.search_vector @@ ${p(stratum.exclude)}::tsquery)`);
    if (plan.negative.length > 0) {
      // A scalar subquery: evaluated once, not per row.
      const excluded = plan.negative.map((n) => `phraseto_tsquery('simple', ${p(n)})`).join(' || ');
      where.push(`NOT (l.search_vector @@ (SELECT ${excluded}))`);
    }
    const rank = (): string => {
      const total = plan.words.reduce((sum, w) => sum + weightOf(w.word), 0);
      const coverage = plan.words
        .filter((w) => w.alts.length > 0)
        .map((w) => {
          const byAlt = w.alts.map(
            (a) =>
              `CASE WHEN l.search_vector @@ ${p(tsqueryLexeme(a.lexeme))}::tsquery ` +
              `THEN ${p((COVERAGE_WEIGHT * a.score * weightOf(w.word)) / total)}::float8 ELSE 0 END`,
          );
          return `GREATEST(${byAlt.join(', ')})`;
        });
      return `round((${stratum.base} + ${coverage.join(' + ')} + ${TS_RANK_WEIGHT} * ts_rank(l.search_vector, ${p(queries.all)}::tsquery, 32))::numeric, 6)`;
    };
    return { where, rank };
  };
}

/** What the typo tier searched, when it is not what was typed: each word's best alternative. */
function correctedQueryOf(plan: TypoPlan): string | undefined {
  if (plan.words.every((w) => w.alts[0]?.lexeme === w.word)) return undefined;
  return [
    ...plan.words.flatMap((w) => (w.alts[0] ? [w.alts[0].lexeme] : [])),
    ...plan.negative.map((n) => (/\s/.test(n) ? `-"${n}"` : `-${n}`)),
  ].join(' ');
}

/** Identifies a plan's corrections (the cursor carries it: later pages must rank the same way). */
function planHash(plan: TypoPlan): string {
  const canonical = JSON.stringify(
    plan.words.map((w) => [w.word, w.alts.map((a) => a.lexeme).sort()]),
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
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

/**
 * The position in a search's cursor. Its own format, not `parseKeysetCursor`'s fixed fields: it
 * carries the fingerprint of the criteria, sort and price channel it was made for (refused with
 * its own message on a search with others), the search mode, an optional typo plan, and a sort key
 * whose shape depends on the sort.
 */
function positionOf(
  cursor: string,
  sort: CatalogSort,
  fingerprint: string,
  textSearch: boolean,
): { key: string; id: string; mode: SearchMode; plan?: string } {
  const c = decodeCursor(cursor);
  const modes: readonly unknown[] = textSearch ? ['fulltext', 'typo'] : ['all'];
  if (
    !c ||
    typeof c.s !== 'string' ||
    !modes.includes(c.m) ||
    typeof c.h !== 'string' ||
    typeof c.k !== 'string' ||
    typeof c.i !== 'string' ||
    !UUID.test(c.i) ||
    (c.m === 'typo') !== (typeof c.p === 'string')
  )
    throw invalidCursor('cursor is not one this endpoint returned');
  if (c.s !== sort || c.h !== fingerprint)
    throw invalidCursor(
      'cursor belongs to a search with other criteria, sort or price channel; start again without it',
    );
  if (!KEY_FORMAT[sort].test(c.k)) throw invalidCursor('cursor is not one this endpoint returned');
  return {
    key: c.k,
    id: c.i,
    mode: c.m as SearchMode,
    ...(typeof c.p === 'string' ? { plan: c.p } : {}),
  };
}
