import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalog's lexicon, for typo-tolerant search: `catalog_words` holds every distinct word (lexeme
 * of `listings.search_vector`, i.e. of `to_tsvector('simple', search_text)`) of the active listings,
 * with the number of active listings that have it. A misspelt query word is corrected against this
 * small table (trigram index, digit-free words only: words with digits are never corrected), instead
 * of comparing the query with every listing's text (the trigram index on `listings.search_text`,
 * which only that comparison used, is dropped).
 *
 * Maintained by statement-level triggers on `listings` (insert, update, delete; transition tables),
 * so it is exact whoever writes listings: each statement's per-word deltas (+1 for an active row's
 * words after, −1 before; an update that changes neither the words nor whether the row is active
 * cancels out) are applied in ONE upsert in word order — every transaction locks words in the same
 * order, so writers sharing words wait for each other but cannot deadlock on the lexicon — then the
 * words no active listing has any more are deleted. A transaction that writes listings in several
 * statements locks each statement's words in order (a cycle across statements is possible in theory;
 * TransactionRunner retries deadlocks). Listings of dealers who are not approved count like any
 * active listing (the lexicon is for spelling, not visibility).
 */
export class SearchLexicon1764220000000 implements MigrationInterface {
  name = 'SearchLexicon1764220000000';

  async up(q: QueryRunner): Promise<void> {
    // No listing write may slip between the backfill and the triggers.
    await q.query(`LOCK TABLE listings IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`
      CREATE TABLE catalog_words (
        word text PRIMARY KEY,
        -- No CHECK (listings > 0): a CHECK is evaluated on the row an upsert proposes, before the
        -- conflict, and the upsert below proposes negative deltas. Rows at 0 are deleted at once.
        listings integer NOT NULL
      )`);
    // Correction candidates: words without digits (the search never corrects towards others).
    await q.query(`
      CREATE INDEX catalog_words_trgm_idx ON catalog_words USING gin (word gin_trgm_ops)
       WHERE word !~ '[0-9]'`);

    // Applies per-word deltas, in word order (the lock order), then drops the words left unused.
    // (A count below 0 cannot happen while every listing write goes through the triggers; were the
    // table tampered with, such a word would be dropped rather than block listing writes.)
    await q.query(`
      CREATE FUNCTION catalog_words_apply(words text[], deltas integer[]) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO catalog_words AS c (word, listings)
        SELECT u.word, u.delta FROM unnest(words, deltas) AS u(word, delta) ORDER BY u.word
        ON CONFLICT (word) DO UPDATE SET listings = c.listings + EXCLUDED.listings;
        DELETE FROM catalog_words WHERE word = ANY (words) AND listings <= 0;
      $$`);
    await q.query(`
      CREATE FUNCTION catalog_words_sync() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        words text[];
        deltas integer[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT array_agg(x.word ORDER BY x.word), array_agg(x.delta ORDER BY x.word)
            INTO words, deltas
            FROM (SELECT w AS word, count(*)::integer AS delta
                    FROM new_rows n, unnest(tsvector_to_array(n.search_vector)) w
                   WHERE n.status = 'active' GROUP BY w) x;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT array_agg(x.word ORDER BY x.word), array_agg(x.delta ORDER BY x.word)
            INTO words, deltas
            FROM (SELECT w AS word, -count(*)::integer AS delta
                    FROM old_rows o, unnest(tsvector_to_array(o.search_vector)) w
                   WHERE o.status = 'active' GROUP BY w) x;
        ELSE
          SELECT array_agg(x.word ORDER BY x.word), array_agg(x.delta ORDER BY x.word)
            INTO words, deltas
            FROM (SELECT w AS word, sum(d)::integer AS delta
                    FROM (SELECT w, 1 AS d
                            FROM new_rows n, unnest(tsvector_to_array(n.search_vector)) w
                           WHERE n.status = 'active'
                          UNION ALL
                          SELECT w, -1
                            FROM old_rows o, unnest(tsvector_to_array(o.search_vector)) w
                           WHERE o.status = 'active') changes
                   GROUP BY w HAVING sum(d) <> 0) x;
        END IF;
        IF words IS NOT NULL THEN
          PERFORM catalog_words_apply(words, deltas);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER listings_words_insert AFTER INSERT ON listings
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION catalog_words_sync()`);
    await q.query(`
      CREATE TRIGGER listings_words_update AFTER UPDATE ON listings
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION catalog_words_sync()`);
    await q.query(`
      CREATE TRIGGER listings_words_delete AFTER DELETE ON listings
      REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION catalog_words_sync()`);
    await q.query(`
      CREATE FUNCTION catalog_words_clear() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM catalog_words;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER listings_words_truncate AFTER TRUNCATE ON listings
      FOR EACH STATEMENT EXECUTE FUNCTION catalog_words_clear()`);

    // Backfill from the listings there are.
    await q.query(`
      INSERT INTO catalog_words (word, listings)
      SELECT w, count(*) FROM listings l, unnest(tsvector_to_array(l.search_vector)) w
       WHERE l.status = 'active'
       GROUP BY w`);
    await q.query(`ANALYZE catalog_words`);

    await q.query(`DROP INDEX listings_search_trgm_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX listings_search_trgm_idx ON listings USING gin (search_text gin_trgm_ops)`,
    );
    for (const t of ['insert', 'update', 'delete', 'truncate'])
      await q.query(`DROP TRIGGER listings_words_${t} ON listings`);
    await q.query(`DROP FUNCTION catalog_words_clear()`);
    await q.query(`DROP FUNCTION catalog_words_sync()`);
    await q.query(`DROP FUNCTION catalog_words_apply(text[], integer[])`);
    await q.query(`DROP TABLE catalog_words`);
  }
}
