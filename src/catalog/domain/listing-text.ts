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

// ---------------------------------------------------------------------------------------------
// Typo-tolerant search: the words of a query and their corrections against the catalog's words
// ---------------------------------------------------------------------------------------------

/** Query words shorter than this (in characters) are never corrected: too little to go on. */
export const MIN_CORRECTABLE_LENGTH = 4;
/** At most this many catalog words stand in for one misspelt query word. */
export const MAX_CORRECTIONS = 3;
/** The typo tier reads at most this many words of a query (the first ones). */
export const MAX_TYPO_WORDS = 8;
/**
 * pg_trgm similarity a catalog word needs to be a correction candidate; edit distance decides. Low,
 * because a transposition in a short word breaks many of its trigrams ("iphnoe"/"iphone": 0.27).
 */
export const CORRECTION_SIMILARITY = 0.2;

/** A word is corrected only if it has no digit (model numbers match exactly) and is long enough. */
export function isCorrectable(word: string): boolean {
  return [...word].length >= MIN_CORRECTABLE_LENGTH && !/[0-9]/.test(word);
}

/** Edits allowed when correcting a word of `length` characters: 1 up to 5 characters, then 2. */
export function maxEdits(length: number): number {
  return length < MIN_CORRECTABLE_LENGTH ? 0 : length <= 5 ? 1 : 2;
}

/**
 * Optimal string alignment distance between two words (by Unicode code point): insertions,
 * deletions, substitutions and transpositions of two adjacent characters cost 1 each, so
 * "displya" → "display" is 1 (where plain Levenshtein counts 2).
 */
export function editDistance(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= t.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[s.length]![t.length]!;
}

/** A catalog word standing in for a query word, with its score: 1 exact, less the more edits. */
export interface Correction {
  readonly lexeme: string;
  /** 1 − edits ÷ length of the query word (1 for the word itself). */
  readonly score: number;
}

/**
 * The corrections of a misspelt `word` among catalog words (trigram-similar candidates, with the
 * number of active listings having each): the candidates at the smallest edit distance, if that is
 * within `maxEdits`, the most used first (ties by word), at most MAX_CORRECTIONS. None when the
 * word is not correctable or nothing is close enough.
 */
export function correctionsFor(
  word: string,
  candidates: readonly { word: string; listings: number }[],
): Correction[] {
  if (!isCorrectable(word)) return [];
  const length = [...word].length;
  const limit = maxEdits(length);
  const scored = candidates
    .filter((c) => c.word !== word)
    .map((c) => ({ ...c, edits: editDistance(word, c.word) }))
    .filter((c) => c.edits <= limit);
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map((c) => c.edits));
  return scored
    .filter((c) => c.edits === best)
    .sort((x, y) => y.listings - x.listings || (x.word < y.word ? -1 : x.word > y.word ? 1 : 0))
    .slice(0, MAX_CORRECTIONS)
    .map((c) => ({ lexeme: c.word, score: 1 - best / length }));
}

/**
 * The terms of a search box text in the syntax full text accepts (`websearch_to_tsquery`), for the
 * typo tier: `positive`, the text of the words to find (quotes dropped: phrases become words), and
 * `negative`, the words or quoted phrases after a `-` (excluded as typed, never corrected). A bare
 * `or` is dropped (the typo tier wants most words, not either).
 */
export function typoTerms(q: string): { positive: string; negative: string[] } {
  const positive: string[] = [];
  const negative: string[] = [];
  for (const m of q.matchAll(/(-?)"([^"]*)"?|(\S+)/g)) {
    if (m[2] !== undefined) {
      const phrase = m[2].trim();
      if (phrase !== '') (m[1] ? negative : positive).push(phrase);
      continue;
    }
    const token = m[3]!;
    if (token.toLowerCase() === 'or') continue;
    if (token.startsWith('-') && token.length > 1) negative.push(token.slice(1).replace(/"/g, ''));
    else positive.push(token.replace(/"/g, ''));
  }
  return { positive: positive.join(' '), negative: negative.filter((n) => n !== '') };
}

/** A lexeme as a tsquery operand (quoted; quotes and backslashes inside doubled). */
export function tsqueryLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
