/**
 * Text derived from a listing: what search reads (`search_text`) and what near-duplicate detection
 * compares (normalized name and models).
 */

export interface ListingText {
  name: string;
  brand: string;
  compatibleModels: readonly string[];
  category: string;
  sku: string;
}

/** Trims and collapses inner whitespace (how names, brands and models are stored). */
export function tidy(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/**
 * The compatible models as stored: tidied, without case-insensitive repeats, in the dealer's order.
 */
export function tidyModels(models: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of models.map(tidy)) {
    const key = m.toLowerCase();
    if (m === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(m);
  }
  return out;
}

/**
 * `search_text`: lower-case name, brand, compatible models, category and SKU, space-separated (the
 * catalog search's full-text and trigram indexes read exactly this).
 */
export function searchTextOf(l: ListingText): string {
  return [l.name, l.brand, ...l.compatibleModels, l.category, l.sku]
    .map((part) => tidy(part).toLowerCase())
    .join(' ');
}

/**
 * A name as near-duplicate detection compares it: lower case, runs of anything but letters and digits
 * as one space, trimmed. The SQL twin is `NORMALIZED_SQL` (same regular expression).
 */
export function normalizeName(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The normalized set of models (order and repeats ignored), as a sorted array. */
export function normalizeModels(models: readonly string[]): string[] {
  return [...new Set(models.map(normalizeName).filter((m) => m !== ''))].sort();
}

/** `normalizeName` in SQL, for a column or parameter expression `x`. */
export const normalizedSql = (x: string): string =>
  `btrim(regexp_replace(lower(${x}), '[^a-z0-9]+', ' ', 'g'))`;

/** Name similarity (pg_trgm `similarity`) above which two listings of one dealer and category are near-duplicates. */
export const DUPLICATE_SIMILARITY = 0.8;
