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

/** Each technician's ranking (every id given gets one; no ratings: the prior mean). */
export async function technicianRankings(
  tx: EntityManager,
  technicianIds: readonly string[],
  rates: ReadonlyMap<string, ReliabilityRates> = new Map(),
): Promise<Map<string, TechnicianRanking>> {
  const [stats, completed, platform] = [
    await revealedStarStatsOf(tx, technicianIds),
    await completedJobCountsOf(tx, technicianIds),
    await platformStarStats(tx),
  ];
  const m = priorMean(platform);
  return new Map(
    technicianIds.map((id) => [
      id,
      rankTechnician(id, stats.get(id) ?? NO_RATINGS, completed.get(id) ?? 0, m, rates.get(id)),
    ]),
  );
}
