/**
 * The technicians module's SQL (the only place it lives): presence rows (availability, current
 * position, rolling spoofing score, flag), the location history and the review queue. Reads of
 * `users` (identity's table) are reads only.
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import type { AccountStatus, TechnicianKind } from '../common/roles.js';
import { execute } from '../database/sql.js';
import { byOrdinal } from '../database/statement-batcher.js';
import type { Statements } from '../database/transaction.js';
import type { TechnicianAvailability } from './domain/availability.js';
import type { LocationFix, ReviewReason, SpoofReason } from './domain/location-plausibility.js';

export interface PresenceRow {
  technician_id: string;
  availability: TechnicianAvailability;
  spoof_score: number;
  flagged: boolean;
}

export const technicianNotFound = (): AppProblem =>
  new AppProblem(404, 'technician/not-found', 'Not found', 'No such technician');

/**
 * The technician's account status, the users row held FOR SHARE (a concurrent suspension waits for
 * this command, or this command sees it); 404 for an account that is not a technician.
 */
export async function technicianStatus(tx: EntityManager, id: string): Promise<AccountStatus> {
  const { rows } = await execute<{ status: AccountStatus }>(
    tx,
    `SELECT status FROM users WHERE id = $1 AND role = 'technician' FOR SHARE`,
    [id],
  );
  if (rows.length === 0) throw technicianNotFound();
  return rows[0]!.status;
}

/** The technician's presence row, created (inactive, no position) on first use, locked. */
export async function lockPresence(tx: EntityManager, id: string): Promise<PresenceRow> {
  await execute(
    tx,
    `INSERT INTO technician_presence (technician_id) VALUES ($1) ON CONFLICT DO NOTHING`,
    [id],
  );
  const { rows } = await execute<PresenceRow>(
    tx,
    `SELECT technician_id::text AS technician_id, availability, spoof_score,
            flagged_at IS NOT NULL AS flagged
       FROM technician_presence WHERE technician_id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0]!;
}

export async function setAvailability(
  tx: EntityManager,
  id: string,
  availability: TechnicianAvailability,
): Promise<void> {
  await execute(
    tx,
    `UPDATE technician_presence SET availability = $2, updated_at = now() WHERE technician_id = $1`,
    [id, availability],
  );
}

interface FixRow {
  lat_e7: number;
  lng_e7: number;
  accuracy_m: number;
  recorded_at: Date;
  mock: boolean;
}

const toFix = (r: FixRow): LocationFix => ({
  latE7: r.lat_e7,
  lngE7: r.lng_e7,
  accuracyM: r.accuracy_m,
  recordedAtMs: r.recorded_at.getTime(),
  mock: r.mock,
});

export interface PositionFixRow {
  lat_e7: number;
  lng_e7: number;
  accuracy_m: number;
  speed_mps: number | null;
  recorded_at: Date;
}

/** The technician's last fix that became its current position (trusted), if any. */
export async function lastPositionFix(
  tx: EntityManager,
  id: string,
): Promise<PositionFixRow | undefined> {
  const { rows } = await execute<PositionFixRow>(
    tx,
    `SELECT lat_e7, lng_e7, accuracy_m, speed_mps, recorded_at FROM technician_location_fixes
      WHERE technician_id = $1 AND position_written ORDER BY id DESC LIMIT 1`,
    [id],
  );
  return rows[0];
}

/** The technician's fixes recorded from `since` on, oldest first, and the one just before (for the first jump). */
export async function fixesSince(
  tx: EntityManager,
  id: string,
  since: Date,
): Promise<LocationFix[]> {
  const { rows } = await execute<FixRow>(
    tx,
    `(SELECT lat_e7, lng_e7, accuracy_m, recorded_at, mock FROM technician_location_fixes
       WHERE technician_id = $1 AND recorded_at >= $2)
     UNION ALL
     (SELECT lat_e7, lng_e7, accuracy_m, recorded_at, mock FROM technician_location_fixes
       WHERE technician_id = $1 AND recorded_at < $2 ORDER BY recorded_at DESC LIMIT 1)
     ORDER BY recorded_at`,
    [id, since],
  );
  return rows.map(toFix);
}

export interface FixRecord {
  fix: LocationFix;
  speedMps: number | null;
  headingDeg: number | null;
  provider: string | null;
  score: number;
  reasons: SpoofReason[];
}

/**
 * A measurement for a `real` column, to the hundredth: what a phone reports is no finer, and a
 * value too small for `real` (e.g. 7.4e-323) would make PostgreSQL refuse the row.
 */
const toHundredths = (x: number | null): number | null =>
  x === null ? null : Math.round(x * 100) / 100;

/** What a new fix is judged against, read without a lock (see `recordFixes`). */
export interface FixContext {
  status: AccountStatus;
  /** The presence row's version (its `xmin`); null when the technician has no presence row yet. */
  version: string | null;
  spoofScore: number;
  flagged: boolean;
  /** The technician's last five fixes, then the latest earlier one at exactly the new fix's coordinates (the replay rule), newest first. */
  previous: LocationFix[];
}

/** A fix about to be judged: whose, and where (for the replay rule's lookup). */
export interface ContextRead {
  id: string;
  latE7: number;
  lngE7: number;
}

/**
 * The fix path's read, one statement for many fixes (of different technicians): for each, the
 * account's status, the presence row (its version, rolling score, flag) and the previous fixes;
 * undefined when the account is not a technician's. In the order given.
 */
export async function fixContexts(
  db: Statements,
  reads: readonly ContextRead[],
): Promise<(FixContext | undefined)[]> {
  const { rows } = await db.once<{
    i: number;
    status: AccountStatus;
    version: string | null;
    spoof_score: number | null;
    flagged: boolean | null;
    previous: { lat: number; lng: number; acc: number; at: number; mock: boolean }[];
  }>(
    `SELECT q.i::int AS i, u.status, p.xmin::text AS version, p.spoof_score,
            p.flagged_at IS NOT NULL AS flagged,
            (SELECT coalesce(json_agg(json_build_object('lat', f.lat_e7, 'lng', f.lng_e7,
                      'acc', f.accuracy_m, 'at', floor(extract(epoch FROM f.recorded_at) * 1000)::bigint,
                      'mock', f.mock) ORDER BY f.id DESC), '[]')
               FROM ((SELECT id, lat_e7, lng_e7, accuracy_m, recorded_at, mock
                        FROM technician_location_fixes WHERE technician_id = q.id ORDER BY id DESC LIMIT 5)
                     UNION
                     (SELECT id, lat_e7, lng_e7, accuracy_m, recorded_at, mock
                        FROM technician_location_fixes
                       WHERE technician_id = q.id AND lat_e7 = q.lat AND lng_e7 = q.lng
                       ORDER BY id DESC LIMIT 1)) f
            ) AS previous
       FROM unnest($1::uuid[], $2::int[], $3::int[]) WITH ORDINALITY AS q(id, lat, lng, i)
       JOIN users u ON u.id = q.id AND u.role = 'technician'
       LEFT JOIN technician_presence p ON p.technician_id = u.id`,
    [reads.map((r) => r.id), reads.map((r) => r.latE7), reads.map((r) => r.lngE7)],
    'technicians.fix-contexts',
  );
  return byOrdinal(rows, reads.length).map((row) => {
    if (!row) return undefined;
    return {
      status: row.status,
      version: row.version,
      spoofScore: row.spoof_score ?? 0,
      flagged: row.flagged ?? false,
      previous: row.previous.map((f) => ({
        latE7: f.lat,
        lngE7: f.lng,
        accuracyM: f.acc,
        recordedAtMs: Number(f.at),
        mock: f.mock,
      })),
    };
  });
}

/** A fix as the history gives it back (its accuracy to the hundredth, as stored). */
export function asStored(fix: LocationFix): LocationFix {
  return { ...fix, accuracyM: toHundredths(fix.accuracyM)! };
}

/** A judged fix for `recordFixes`, with what it was judged against. */
export interface FixWrite {
  id: string;
  record: FixRecord;
  /** The presence row's version it was judged against. */
  version: string;
  trusted: boolean;
  rolling: number;
  flag: boolean;
  /** Its previous fixes were read with the replay rule's lookup, or already hold these coordinates. */
  replaySeen: boolean;
}

/**
 * Stores judged fixes of different technicians and their consequences in one statement (its own
 * transaction). Each is stored only if nothing changed since what it was judged against was read:
 * the account still approved (its users row held FOR SHARE, in id order, so a concurrent suspension
 * waits or is seen) and the presence row still the version read (`xmin`: any write to it since —
 * another fix, availability, a review — makes a new version; after waiting for a concurrent writer
 * PostgreSQL re-checks the newest one). Unless `replaySeen`, it is stored only if no earlier fix has
 * exactly its coordinates.
 *
 * Then, for each stored fix: a `trusted` one becomes the position when it is due (none yet, moved
 * ≥ `minMoveM` from it, or it was written ≥ `minIntervalSeconds` ago); the presence row takes the
 * new rolling score and the flag when `flag`; the fix goes to the history marked with whether it
 * moved the position; a flagging fix opens (or adds its reasons to) the technician's review, with
 * the reasons of its last ten fixes, this one included. For each fix in the order given: the
 * presence row's new version and whether the position moved, or undefined when it was not stored
 * (judge it again on a fresh read).
 */
export async function recordFixes(
  db: Statements,
  writes: readonly FixWrite[],
  throttle: { minMoveM: number; minIntervalSeconds: number },
): Promise<({ version: string; written: boolean } | undefined)[]> {
  const column = <T>(f: (w: FixWrite) => T): T[] => writes.map(f);
  const { rows } = await db.once<{ i: number; version: string; written: boolean }>(
    `WITH q AS (
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::timestamptz[], $5::real[],
                            $6::real[], $7::real[], $8::bool[], $9::text[], $10::smallint[],
                            $11::text[], $12::bool[], $13::float8[], $14::bool[], $15::text[],
                            $16::bool[]) WITH ORDINALITY
         AS q(id, lat, lng, recorded_at, accuracy, speed, heading, mock, provider, score, reasons,
              trusted, rolling, flag, version, replay_seen, i)
     ), s AS (
       SELECT u.id FROM users u
        WHERE u.id IN (SELECT id FROM q) AND u.role = 'technician' AND u.status = 'approved'
        ORDER BY u.id FOR SHARE
     ), cur AS (
       SELECT q.*, x.point,
              q.trusted AND (c.position IS NULL OR NOT ST_DWithin(c.position, x.point, $17)
                             OR c.position_written_at <= now() - make_interval(secs => $18)) AS written
         FROM q
         JOIN technician_presence c ON c.technician_id = q.id,
         LATERAL (SELECT ST_SetSRID(ST_MakePoint(q.lng::float8 / 1e7, q.lat::float8 / 1e7), 4326)::geography
                    AS point) x
     ), p AS (
       UPDATE technician_presence t
          SET position = CASE WHEN cur.written THEN cur.point ELSE t.position END,
              position_recorded_at = CASE WHEN cur.written THEN cur.recorded_at ELSE t.position_recorded_at END,
              position_written_at = CASE WHEN cur.written THEN now() ELSE t.position_written_at END,
              spoof_score = cur.rolling,
              flagged_at = CASE WHEN cur.flag THEN coalesce(t.flagged_at, now()) ELSE t.flagged_at END,
              updated_at = now()
         FROM cur
        WHERE t.technician_id = cur.id AND t.xmin = cur.version::xid AND cur.id IN (SELECT id FROM s)
          AND (cur.replay_seen OR NOT EXISTS (SELECT FROM technician_location_fixes x
                                               WHERE x.technician_id = cur.id AND x.lat_e7 = cur.lat
                                                 AND x.lng_e7 = cur.lng))
        RETURNING cur.i, t.xmin::text AS version, cur.written
     ), stored AS (
       SELECT cur.*, p.written AS moved FROM p JOIN cur ON cur.i = p.i
     ), f AS (
       INSERT INTO technician_location_fixes (technician_id, recorded_at, lat_e7, lng_e7, accuracy_m,
         speed_mps, heading_deg, mock, provider, score, reasons, position_written)
       SELECT id, recorded_at, lat, lng, accuracy, speed, heading, mock, provider, score,
              string_to_array(reasons, ','), moved
         FROM stored ORDER BY id
     ), r AS (
       INSERT INTO technician_location_reviews (technician_id, score, reasons)
       SELECT w.id, w.rolling,
              ARRAY(SELECT DISTINCT x.r
                      FROM (SELECT unnest(f.reasons) AS r
                              FROM (SELECT reasons FROM technician_location_fixes
                                     WHERE technician_id = w.id ORDER BY id DESC LIMIT 9) f
                            UNION ALL SELECT unnest(string_to_array(w.reasons, ','))) x
                     ORDER BY x.r)
         FROM stored w WHERE w.flag
       ON CONFLICT (technician_id) WHERE status = 'open' DO UPDATE
         SET reasons = ARRAY(SELECT DISTINCT x FROM unnest(technician_location_reviews.reasons || EXCLUDED.reasons) x
                              ORDER BY x)
     )
     SELECT i::int AS i, version, written FROM p`,
    [
      column((w) => w.id),
      column((w) => w.record.fix.latE7),
      column((w) => w.record.fix.lngE7),
      column((w) => new Date(w.record.fix.recordedAtMs)),
      column((w) => toHundredths(w.record.fix.accuracyM)),
      column((w) => toHundredths(w.record.speedMps)),
      column((w) => toHundredths(w.record.headingDeg)),
      column((w) => w.record.fix.mock),
      column((w) => w.record.provider),
      column((w) => w.record.score),
      // Reason codes are identifiers (no commas): one text per fix, split back in SQL.
      column((w) => w.record.reasons.join(',')),
      column((w) => w.trusted),
      column((w) => w.rolling),
      column((w) => w.flag),
      column((w) => w.version),
      column((w) => w.replaySeen),
      // Moved ≥ minMoveM = not within a hair less than it.
      throttle.minMoveM - 1e-6,
      throttle.minIntervalSeconds,
    ],
    'technicians.record-fixes',
  );
  return byOrdinal(rows, writes.length).map((r) =>
    r ? { version: r.version, written: r.written } : undefined,
  );
}

/**
 * Flags the technician (when not flagged yet) and opens its location review with the rolling score
 * and the reasons of its last ten fixes plus `extraReasons`; a review already open takes the new
 * reasons too (at most one is open per technician). The presence row is locked by the caller.
 */
export async function flagForReview(
  tx: EntityManager,
  id: string,
  extraReasons: readonly ReviewReason[] = [],
): Promise<void> {
  await execute(
    tx,
    `WITH p AS (
       UPDATE technician_presence SET flagged_at = coalesce(flagged_at, now()), updated_at = now()
        WHERE technician_id = $1 RETURNING spoof_score
     )
     INSERT INTO technician_location_reviews (technician_id, score, reasons)
     SELECT $1, (SELECT spoof_score FROM p), coalesce(array_agg(DISTINCT r ORDER BY r), '{}')
       FROM (SELECT unnest(f.reasons) AS r
               FROM (SELECT reasons FROM technician_location_fixes WHERE technician_id = $1
                      ORDER BY id DESC LIMIT 10) f
             UNION ALL SELECT unnest($2::text[])) x
     ON CONFLICT (technician_id) WHERE status = 'open' DO UPDATE
       SET reasons = ARRAY(SELECT DISTINCT r FROM unnest(technician_location_reviews.reasons || EXCLUDED.reasons) r
                            ORDER BY r)`,
    [id, [...extraReasons]],
  );
}

export interface NearbyRow {
  id: string;
  display_name: string;
  technician_kind: TechnicianKind;
  skills: string[];
  brands: string[];
  distance_m: number;
}

/** The search point ($1 latitude, $2 longitude), written out where used so the planner sees a constant. */
const QUERY_POINT = `ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography`;

export interface NearbySearch {
  lat: number;
  lng: number;
  radiusM: number;
  kind: TechnicianKind | null;
  skill: string | null;
  brand: string | null;
  offset: number;
  limit: number;
}

/**
 * Available (active, not flagged), approved technicians within the radius, nearest first, from
 * `offset`. Parameters: $1 lat, $2 lng, $3 radius (m), $4 kind, $5 skill, $6 brand, $7 offset,
 * $8 limit (bench:geo times this very statement).
 *
 * KNN first: the inner query orders by distance alone, so the partial GiST index hands rows over
 * nearest first (an index scan with `Order By`) and the scan stops after offset + limit matches
 * (WITH TIES: and every row as far as the last). Only those are then ordered with the technician id
 * as tie-breaker. Ordering by (distance, id) in one query instead makes PostgreSQL fetch, join and
 * sort every match within the radius: 3,757 rows at Bengaluru's centre among 1M technicians, 50.6 ms
 * against 1.3 ms (docs/performance.md, bench:geo). Same answers, ties included.
 */
export const NEARBY_SQL = `SELECT n.id::text AS id, n.display_name, n.technician_kind, n.skills, n.brands, n.distance_m
  FROM (SELECT u.id, u.display_name, u.technician_kind, u.skills, u.brands,
               p.position <-> ${QUERY_POINT} AS distance_m
          FROM technician_presence p
          JOIN users u ON u.id = p.technician_id
         WHERE p.availability = 'active' AND p.flagged_at IS NULL AND p.position IS NOT NULL
           AND ST_DWithin(p.position, ${QUERY_POINT}, $3)
           AND u.role = 'technician' AND u.status = 'approved'
           AND ($4::text IS NULL OR u.technician_kind = $4)
           AND ($5::text IS NULL OR $5 = ANY (u.skills))
           AND ($6::text IS NULL OR $6 = ANY (u.brands))
         ORDER BY p.position <-> ${QUERY_POINT}
         FETCH FIRST ($7::bigint + $8::bigint) ROWS WITH TIES) n
 ORDER BY n.distance_m, n.id
OFFSET $7 LIMIT $8`;

/** The parameters of `NEARBY_SQL` for a search. */
export const nearbyParams = (q: NearbySearch): unknown[] => [
  q.lat,
  q.lng,
  q.radiusM,
  q.kind,
  q.skill,
  q.brand,
  q.offset,
  q.limit,
];

/** The search in the caller's transaction (matching's candidates). */
export async function nearby(tx: EntityManager, q: NearbySearch): Promise<NearbyRow[]> {
  return (await execute<NearbyRow>(tx, NEARBY_SQL, nearbyParams(q))).rows;
}

export interface ReviewRow {
  id: string;
  technician_id: string;
  display_name: string;
  status: 'open' | 'cleared' | 'suspended';
  score: number;
  reasons: ReviewReason[];
  opened_at: Date;
  resolved_at: Date | null;
  resolution_reason: string | null;
  cursor_at: string;
}

const REVIEW_COLUMNS = `r.id::text AS id, r.technician_id::text AS technician_id, u.display_name,
  r.status, r.score, r.reasons, r.opened_at, r.resolved_at, r.resolution_reason,
  r.opened_at::text AS cursor_at`;

/** Open reviews, oldest first, keyset on (opened_at, id). */
export async function openReviews(
  tx: EntityManager,
  limit: number,
  after?: { at: string; id: string },
): Promise<ReviewRow[]> {
  const { rows } = await execute<ReviewRow>(
    tx,
    `SELECT ${REVIEW_COLUMNS} FROM technician_location_reviews r JOIN users u ON u.id = r.technician_id
      WHERE r.status = 'open'
        AND ($1::timestamptz IS NULL OR (r.opened_at, r.id) > ($1::timestamptz, $2::uuid))
      ORDER BY r.opened_at, r.id LIMIT $3`,
    [after?.at ?? null, after?.id ?? null, limit],
  );
  return rows;
}

export async function openReviewOf(
  tx: EntityManager,
  technicianId: string,
): Promise<ReviewRow | undefined> {
  const { rows } = await execute<ReviewRow>(
    tx,
    `SELECT ${REVIEW_COLUMNS} FROM technician_location_reviews r JOIN users u ON u.id = r.technician_id
      WHERE r.technician_id = $1 AND r.status = 'open'`,
    [technicianId],
  );
  return rows[0];
}

/** Closes the technician's open review as `cleared` or `suspended`; its id, or undefined when none was open. */
export async function resolveReview(
  tx: EntityManager,
  technicianId: string,
  status: 'cleared' | 'suspended',
  by: string | null,
  reason: string,
): Promise<string | undefined> {
  const { rows } = await execute<{ id: string }>(
    tx,
    `UPDATE technician_location_reviews
        SET status = $2, resolved_at = now(), resolved_by = $3, resolution_reason = $4
      WHERE technician_id = $1 AND status = 'open' RETURNING id::text AS id`,
    [technicianId, status, by, reason],
  );
  return rows[0]?.id;
}

export async function reviewById(tx: EntityManager, id: string): Promise<ReviewRow> {
  const { rows } = await execute<ReviewRow>(
    tx,
    `SELECT ${REVIEW_COLUMNS} FROM technician_location_reviews r JOIN users u ON u.id = r.technician_id
      WHERE r.id = $1`,
    [id],
  );
  return rows[0]!;
}

/** A cleared technician starts over: not flagged, rolling score zero. */
export async function unflag(tx: EntityManager, technicianId: string): Promise<void> {
  await execute(
    tx,
    `UPDATE technician_presence SET flagged_at = NULL, spoof_score = 0, updated_at = now()
      WHERE technician_id = $1`,
    [technicianId],
  );
}

/** Deletes fixes received more than `days` days ago; how many. */
export async function purgeFixes(tx: EntityManager, days: number): Promise<number> {
  const { affected } = await execute(
    tx,
    `DELETE FROM technician_location_fixes WHERE received_at < now() - make_interval(days => $1)`,
    [days],
  );
  return affected;
}
