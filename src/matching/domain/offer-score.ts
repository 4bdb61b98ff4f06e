/**
 * The offer score (pure; README "Hardware auto-match"):
 *
 *   score = wDistance × (1 − distance / outerRadius)
 *         + wRating × rankScore                 (ratings' rankScore: Bayesian average, acceptance rate)
 *         − wLoad × min(load, LOAD_CAP) / LOAD_CAP
 *
 * `outerRadius` is the widest search ring, so a technician at the job's door scores the full
 * distance weight and one on the outer ring none; `rankScore` is in [0, 1]; `load` counts the
 * technician's active jobs and open offers of other jobs. Higher first; ties: nearer, then id.
 */

/** Loads from this many on weigh the same. */
export const LOAD_CAP = 3;

export interface OfferWeights {
  distance: number;
  rating: number;
  load: number;
}

export interface OfferCandidate {
  technicianId: string;
  distanceM: number;
  rankScore: number;
  load: number;
}

export function offerScore(c: OfferCandidate, outerRadiusM: number, w: OfferWeights): number {
  const nearness = Math.max(0, 1 - c.distanceM / outerRadiusM);
  return (
    w.distance * nearness +
    w.rating * c.rankScore -
    (w.load * Math.min(c.load, LOAD_CAP)) / LOAD_CAP
  );
}

/** The candidates, best first, each with its score. */
export function rankCandidates<C extends OfferCandidate>(
  candidates: readonly C[],
  outerRadiusM: number,
  w: OfferWeights,
): (C & { score: number })[] {
  return candidates
    .map((c) => ({ ...c, score: offerScore(c, outerRadiusM, w) }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        a.distanceM - b.distanceM ||
        (a.technicianId < b.technicianId ? -1 : a.technicianId > b.technicianId ? 1 : 0),
    );
}
