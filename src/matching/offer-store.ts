/**
 * The matching module's SQL (`repair_offers`, the only table it owns). Reads of `repair_jobs` are
 * reads only (the job's kind, device and problem for the technician's list).
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { execute, executePrepared } from '../database/sql.js';
import { UUID } from '../common/uuid.js';

export type OfferStatus = 'offered' | 'accepted' | 'declined' | 'expired' | 'withdrawn';

export interface OfferRow {
  id: string;
  repair_job_id: string;
  technician_id: string;
  status: OfferStatus;
  position: number;
  distance_m: number;
  offered_at: Date;
  expires_at: Date;
  /** `expires_at` has passed, by the database clock (at the statement's start). */
  expired: boolean;
}

const OFFER_COLUMNS = `id::text AS id, repair_job_id::text AS repair_job_id,
  technician_id::text AS technician_id, status, position, distance_m, offered_at, expires_at,
  expires_at <= clock_timestamp() AS expired`;

export const offerNotFound = () =>
  new AppProblem(404, 'offer/not-found', 'Not found', 'No such offer');

/** The offer (of `technicianId` only, when given), unlocked; undefined when there is none. */
export async function findOffer(
  tx: EntityManager,
  id: string,
  technicianId: string | null,
): Promise<OfferRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const { rows } = await execute<OfferRow>(
    tx,
    `SELECT ${OFFER_COLUMNS} FROM repair_offers
      WHERE id = $1 AND ($2::uuid IS NULL OR technician_id = $2)`,
    [id, technicianId],
  );
  return rows[0];
}

/** The offer locked (after its job): its status as it now is. */
export async function lockOffer(tx: EntityManager, id: string): Promise<OfferRow> {
  const { rows } = await execute<OfferRow>(
    tx,
    `SELECT ${OFFER_COLUMNS} FROM repair_offers WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0]!;
}

/** Closes an open offer; whether it was open. */
export async function decideOffer(
  tx: EntityManager,
  id: string,
  status: Exclude<OfferStatus, 'offered'>,
  withdrawnReason: string | null = null,
): Promise<boolean> {
  const { affected } = await execute(
    tx,
    `UPDATE repair_offers SET status = $2, decided_at = clock_timestamp(), withdrawn_reason = $3
      WHERE id = $1 AND status = 'offered'`,
    [id, status, withdrawnReason],
  );
  return affected === 1;
}

/** The job's open offer, if any, locked. */
export async function openOfferOf(tx: EntityManager, jobId: string): Promise<OfferRow | undefined> {
  const { rows } = await execute<OfferRow>(
    tx,
    `SELECT ${OFFER_COLUMNS} FROM repair_offers WHERE repair_job_id = $1 AND status = 'offered'
      FOR UPDATE`,
    [jobId],
  );
  return rows[0];
}

/** The technicians offered the job so far. */
export async function offeredTechniciansOf(tx: EntityManager, jobId: string): Promise<string[]> {
  const { rows } = await execute<{ technician_id: string }>(
    tx,
    `SELECT technician_id::text AS technician_id FROM repair_offers WHERE repair_job_id = $1`,
    [jobId],
  );
  return rows.map((r) => r.technician_id);
}

/**
 * Each technician's acceptance rate over the offers it decided or let expire in the last 90 days
 * (withdrawn ones do not count); absent while it has none.
 */
export async function acceptanceRatesOf(
  tx: EntityManager,
  technicianIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await executePrepared<{ technician_id: string; rate: number | null }>(
    tx,
    'matching.acceptance-rates',
    `SELECT t.id::text AS technician_id, ${acceptanceRateSql('t.id')} AS rate
       FROM unnest($1::uuid[]) AS t(id)`,
    [[...new Set(technicianIds)]],
  );
  return new Map(
    rows.flatMap((r): [string, number][] => (r.rate === null ? [] : [[r.technician_id, r.rate]])),
  );
}

/**
 * `acceptanceRatesOf`'s rate of the technician whose id is the SQL expression `id`, as a scalar
 * subquery (null: none): the sum of its days' counters (`repair_offer_answer_days`, kept by trigger;
 * UTC days of `offered_at`) after the window's first day, and that day's offers within the window.
 */
export const acceptanceRateSql = (id: string) =>
  `(SELECT sum(a.accepted)::float8 / nullif(sum(a.answered), 0)
      FROM (SELECT d.accepted, d.answered FROM repair_offer_answer_days d
             WHERE d.technician_id = ${id}
               AND d.day > ((now() - interval '90 days') AT TIME ZONE 'UTC')::date
            UNION ALL
            SELECT (o.status = 'accepted')::int, 1 FROM repair_offers o
             WHERE o.technician_id = ${id} AND o.status IN ('accepted','declined','expired')
               AND o.offered_at > now() - interval '90 days'
               AND o.offered_at < (((now() - interval '90 days') AT TIME ZONE 'UTC')::date + 1)::timestamp
                                  AT TIME ZONE 'UTC') a)`;

/** Each technician's open offers of other jobs than `jobId`. */
export async function openOfferCountsOf(
  tx: EntityManager,
  technicianIds: readonly string[],
  jobId: string,
): Promise<Map<string, number>> {
  const { rows } = await execute<{ technician_id: string; n: number }>(
    tx,
    `SELECT technician_id::text AS technician_id, count(*)::int AS n FROM repair_offers
      WHERE technician_id = ANY($1::uuid[]) AND status = 'offered' AND repair_job_id <> $2
      GROUP BY technician_id`,
    [[...technicianIds], jobId],
  );
  return new Map(rows.map((r) => [r.technician_id, r.n]));
}

export interface NewOffer {
  jobId: string;
  technicianId: string;
  position: number;
  preferred: boolean;
  distanceM: number;
  radiusKm: number;
  bayesianAverage: number;
  acceptanceRate: number | null;
  load: number;
  score: number;
  ttlSeconds: number;
}

export async function insertOffer(tx: EntityManager, o: NewOffer): Promise<OfferRow> {
  const { rows } = await execute<OfferRow>(
    tx,
    `INSERT INTO repair_offers (repair_job_id, technician_id, position, preferred, distance_m,
       radius_km, bayesian_average, acceptance_rate, load, score, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp() + make_interval(secs => $11))
     RETURNING ${OFFER_COLUMNS}`,
    [
      o.jobId,
      o.technicianId,
      o.position,
      o.preferred,
      Math.round(o.distanceM),
      o.radiusKm,
      o.bayesianAverage,
      o.acceptanceRate,
      o.load,
      o.score,
      o.ttlSeconds,
    ],
  );
  return rows[0]!;
}

export interface OpenOfferView {
  id: string;
  repair_job_id: string;
  kind: 'hardware' | 'software';
  mode: 'offline' | 'online';
  device_brand: string;
  device_model: string;
  problem: string;
  distance_m: number;
  offered_at: Date;
  expires_at: Date;
}

/** The technician's open offers (not yet past their time, of jobs still matching), newest first. */
export async function openOffersFor(
  tx: EntityManager,
  technicianId: string,
): Promise<OpenOfferView[]> {
  const { rows } = await execute<OpenOfferView>(
    tx,
    `SELECT o.id::text AS id, o.repair_job_id::text AS repair_job_id, j.kind, j.mode,
            j.device_brand, j.device_model, j.problem, o.distance_m, o.offered_at, o.expires_at
       FROM repair_offers o JOIN repair_jobs j ON j.id = o.repair_job_id
      WHERE o.technician_id = $1 AND o.status = 'offered' AND o.expires_at > clock_timestamp()
        AND j.status = 'matching'
      ORDER BY o.offered_at DESC, o.id`,
    [technicianId],
  );
  return rows;
}
