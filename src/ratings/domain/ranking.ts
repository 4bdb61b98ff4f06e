/**
 * Technician ranking (pure). README "Ratings and ranking" documents the formula:
 *
 *   bayesianAverage = (C·m + Σstars) / (C + n)                      C = 10, m = the prior mean
 *   wilsonLowerBound = Wilson score interval's lower bound (95 %, z = 1.959964) of the share of
 *                      4–5 star ratings among the n
 *   rankScore = (bayesianAverage − 1) / 4 × acceptanceFactor × (1 − cancellationRate)
 *   acceptanceFactor = 0.5 + 0.5 × acceptanceRate
 *
 * An unknown acceptance or cancellation rate is neutral: its factor is 1. Order: rankScore, then
 * wilsonLowerBound, then completed jobs (all descending), then id.
 */

/** The prior's weight, in ratings. */
export const PRIOR_WEIGHT_C = 10;
/** The prior mean while the platform has fewer than PLATFORM_PRIOR_MIN_RATINGS revealed ratings. */
export const DEFAULT_PRIOR_MEAN = 3.5;
/** From this many revealed ratings on, the prior mean is the platform-wide mean of revealed ratings. */
export const PLATFORM_PRIOR_MIN_RATINGS = 100;
/** z for a two-sided 95 % interval. */
export const WILSON_Z = 1.959964;

export interface RatingStats {
  /** Revealed ratings (1–5 stars) of the technician. */
  count: number;
  sumStars: number;
  /** Of them, 4 or 5 stars. */
  positive: number;
}

export interface TechnicianRanking {
  technicianId: string;
  ratingCount: number;
  bayesianAverage: number;
  wilsonLowerBound: number;
  completedJobs: number;
  rankScore: number;
}

/** Rates in [0, 1]; undefined while unknown (neutral). */
export interface ReliabilityRates {
  acceptanceRate?: number;
  cancellationRate?: number;
}

/** The prior mean m: the platform's mean once it has enough revealed ratings, else DEFAULT_PRIOR_MEAN. */
export function priorMean(platform: { count: number; sumStars: number }): number {
  return platform.count >= PLATFORM_PRIOR_MIN_RATINGS
    ? platform.sumStars / platform.count
    : DEFAULT_PRIOR_MEAN;
}

export function bayesianAverage(stats: RatingStats, m: number, c = PRIOR_WEIGHT_C): number {
  return (c * m + stats.sumStars) / (c + stats.count);
}

/** Lower bound of the Wilson score interval for `positive` successes in `n` trials (0 when n = 0). */
export function wilsonLowerBound(positive: number, n: number, z = WILSON_Z): number {
  if (n === 0) return 0;
  const p = positive / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}

function rate(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new RangeError(`${name} must be in [0, 1], got ${value}`);
  return value;
}

export function rankScore(average: number, rates: ReliabilityRates = {}): number {
  const acceptance = rate(rates.acceptanceRate, 'acceptanceRate');
  const cancellation = rate(rates.cancellationRate, 'cancellationRate');
  const quality = (average - 1) / 4;
  const acceptanceFactor = acceptance === undefined ? 1 : 0.5 + 0.5 * acceptance;
  const cancellationFactor = cancellation === undefined ? 1 : 1 - cancellation;
  return quality * acceptanceFactor * cancellationFactor;
}

export function rankTechnician(
  technicianId: string,
  stats: RatingStats,
  completedJobs: number,
  m: number,
  rates: ReliabilityRates = {},
): TechnicianRanking {
  const average = bayesianAverage(stats, m);
  return {
    technicianId,
    ratingCount: stats.count,
    bayesianAverage: average,
    wilsonLowerBound: wilsonLowerBound(stats.positive, stats.count),
    completedJobs,
    rankScore: rankScore(average, rates),
  };
}

/** Best first: rankScore, then the Wilson lower bound, then completed jobs, then id (stable). */
export function compareRankings(a: TechnicianRanking, b: TechnicianRanking): number {
  return (
    b.rankScore - a.rankScore ||
    b.wilsonLowerBound - a.wilsonLowerBound ||
    b.completedJobs - a.completedJobs ||
    (a.technicianId < b.technicianId ? -1 : a.technicianId > b.technicianId ? 1 : 0)
  );
}
