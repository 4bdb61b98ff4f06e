/**
 * Technicians' ranking for the nearby list and matching (README "Ratings and ranking"): read
 * through this function in the caller's transaction. Acceptance and cancellation rates come from
 * the caller (offers own them); unknown rates are neutral.
 */
import type { EntityManager } from 'typeorm';
import { completedJobCountsOf } from '../repairs/repair-job-store.js';
import {
  priorMean,
  rankTechnician,
  type ReliabilityRates,
  type TechnicianRanking,
} from './domain/ranking.js';
import { platformStarStats, revealedStarStatsOf } from './review-store.js';

export type { TechnicianRanking } from './domain/ranking.js';
export { compareRankings } from './domain/ranking.js';

const NO_RATINGS = { count: 0, sumStars: 0, positive: 0 };

/** The prior mean of the Bayesian average: the platform's revealed ratings' mean, or 3.5 while few. */
export async function platformPriorMean(tx: EntityManager): Promise<number> {
  return priorMean(await platformStarStats(tx));
}

/**
 * Each technician's ranking (every id given gets one; no ratings: the prior mean). `m`: the prior
 * mean when the caller has it (`platformPriorMean`), else read now.
 */
export async function technicianRankings(
  tx: EntityManager,
  technicianIds: readonly string[],
  rates: ReadonlyMap<string, ReliabilityRates> = new Map(),
  m?: number,
): Promise<Map<string, TechnicianRanking>> {
  const [stats, completed] = [
    await revealedStarStatsOf(tx, technicianIds),
    await completedJobCountsOf(tx, technicianIds),
  ];
  m ??= await platformPriorMean(tx);
  return new Map(
    technicianIds.map((id) => [
      id,
      rankTechnician(id, stats.get(id) ?? NO_RATINGS, completed.get(id) ?? 0, m, rates.get(id)),
    ]),
  );
}
