/**
 * Technicians' ranking for the nearby list and matching (README "Ratings and ranking"). Its inputs
 * are one subquery per technician (`rankingInputsSql`), so a reader composes them into the
 * statement it already runs; `technicianRankings` reads them for a list of ids in the caller's
 * transaction. Acceptance and cancellation rates come from the caller (offers own them); unknown
 * rates are neutral.
 */
import type { EntityManager } from 'typeorm';
import { executePrepared } from '../database/sql.js';
import { completedJobCountSql } from '../repairs/repair-job-store.js';
import {
  priorMean,
  rankTechnician,
  type ReliabilityRates,
  type TechnicianRanking,
} from './domain/ranking.js';
import { platformStarStats, revealedStarStatsSql } from './review-store.js';

export type { TechnicianRanking } from './domain/ranking.js';
export { compareRankings } from './domain/ranking.js';

/** What a ranking is computed from, as `rankingInputsSql` selects it. */
export interface RankingInputs {
  rating_count: number;
  sum_stars: number;
  positive: number;
  completed_jobs: number;
}

/**
 * The ranking's inputs for the technician whose id (uuid) is the SQL expression `id`: a subquery of
 * one row with the columns of `RankingInputs`, for a `LATERAL` join.
 */
export const rankingInputsSql = (id: string) =>
  `SELECT s.rating_count, s.sum_stars, s.positive, ${completedJobCountSql(id)} AS completed_jobs
     FROM (${revealedStarStatsSql(id)}) s`;

/** The ranking from its inputs; `m` the prior mean (`platformPriorMean`). */
export const rankingFrom = (
  technicianId: string,
  i: RankingInputs,
  m: number,
  rates?: ReliabilityRates,
): TechnicianRanking =>
  rankTechnician(
    technicianId,
    { count: i.rating_count, sumStars: i.sum_stars, positive: i.positive },
    i.completed_jobs,
    m,
    rates,
  );

/** The prior mean of the Bayesian average: the platform's revealed ratings' mean, or 3.5 while few. */
export async function platformPriorMean(tx: EntityManager): Promise<number> {
  return priorMean(await platformStarStats(tx));
}

/**
 * Each technician's ranking (every id given gets one; no ratings: the prior mean), in one
 * statement. `m`: the prior mean when the caller has it (`platformPriorMean`), else read now.
 */
export async function technicianRankings(
  tx: EntityManager,
  technicianIds: readonly string[],
  rates: ReadonlyMap<string, ReliabilityRates> = new Map(),
  m?: number,
): Promise<Map<string, TechnicianRanking>> {
  const { rows } = await executePrepared<RankingInputs & { id: string }>(
    tx,
    'ratings.ranking-inputs',
    `SELECT t.id::text AS id, i.*
       FROM unnest($1::uuid[]) AS t(id), LATERAL (${rankingInputsSql('t.id')}) i`,
    [[...new Set(technicianIds)]],
  );
  m ??= await platformPriorMean(tx);
  const inputs = new Map(rows.map((r) => [r.id, r]));
  return new Map(
    technicianIds.map((id) => [id, rankingFrom(id, inputs.get(id)!, m, rates.get(id))]),
  );
}
