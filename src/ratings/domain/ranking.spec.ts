import {
  bayesianAverage,
  compareRankings,
  DEFAULT_PRIOR_MEAN,
  priorMean,
  rankScore,
  rankTechnician,
  wilsonLowerBound,
} from './ranking.js';

const stats = (stars: number[]) => ({
  count: stars.length,
  sumStars: stars.reduce((a, b) => a + b, 0),
  positive: stars.filter((s) => s >= 4).length,
});

describe('ranking', () => {
  it('Bayesian average: the prior with no ratings, pulled toward the mean with few, the mean with many', () => {
    expect(bayesianAverage(stats([]), 3.5)).toBe(3.5);
    // (10·3.5 + 5) / 11
    expect(bayesianAverage(stats([5]), 3.5)).toBeCloseTo(40 / 11, 12);
    // 10 fives: (35 + 50) / 20
    expect(bayesianAverage(stats(Array(10).fill(5)), 3.5)).toBe(4.25);
    expect(bayesianAverage(stats(Array(10_000).fill(5)), 3.5)).toBeCloseTo(5, 2);
    // One five-star rating does not beat forty 4.8-ish ratings.
    const many = stats([...Array(32).fill(5), ...Array(8).fill(4)]);
    expect(bayesianAverage(many, 3.5)).toBeGreaterThan(bayesianAverage(stats([5]), 3.5));
  });

  it('prior mean: the default until the platform has 100 revealed ratings, then the platform mean', () => {
    expect(priorMean({ count: 0, sumStars: 0 })).toBe(DEFAULT_PRIOR_MEAN);
    expect(priorMean({ count: 99, sumStars: 99 * 5 })).toBe(DEFAULT_PRIOR_MEAN);
    expect(priorMean({ count: 100, sumStars: 420 })).toBe(4.2);
  });

  it('Wilson lower bound (95 %) matches the published formula', () => {
    expect(wilsonLowerBound(0, 0)).toBe(0);
    // Reference values (z = 1.959964): 1/1 → 0.2065, 9/10 → 0.5958, 90/100 → 0.8256, 0/10 → 0.
    expect(wilsonLowerBound(1, 1)).toBeCloseTo(0.20654, 4);
    expect(wilsonLowerBound(9, 10)).toBeCloseTo(0.59585, 4);
    expect(wilsonLowerBound(90, 100)).toBeCloseTo(0.82563, 4);
    expect(wilsonLowerBound(0, 10)).toBe(0);
    // More evidence at the same share raises the bound.
    expect(wilsonLowerBound(90, 100)).toBeGreaterThan(wilsonLowerBound(9, 10));
  });

  it('rank score: quality scaled by acceptance and cancellation; unknown rates are neutral', () => {
    expect(rankScore(5)).toBe(1);
    expect(rankScore(1)).toBe(0);
    expect(rankScore(3)).toBe(0.5);
    expect(rankScore(3, { acceptanceRate: 1, cancellationRate: 0 })).toBe(0.5);
    expect(rankScore(3, { acceptanceRate: 0 })).toBe(0.25);
    expect(rankScore(3, { cancellationRate: 0.2 })).toBeCloseTo(0.4, 12);
    expect(() => rankScore(3, { acceptanceRate: 1.5 })).toThrow(RangeError);
    expect(() => rankScore(3, { cancellationRate: Number.NaN })).toThrow(RangeError);
  });

  it('orders by rank score, then the Wilson bound, then completed jobs', () => {
    const a = rankTechnician('a', stats([5, 5, 5, 5, 1]), 5, 3.5);
    // Same sum and count (same Bayesian average), more of them positive: a higher Wilson bound.
    const b = rankTechnician('b', stats([5, 4, 4, 4, 4]), 5, 3.5);
    expect(a.bayesianAverage).toBe(b.bayesianAverage);
    expect(b.wilsonLowerBound).toBeGreaterThan(a.wilsonLowerBound);
    const c = rankTechnician('c', stats([]), 9, 3.5);
    const d = rankTechnician('d', stats([]), 2, 3.5);
    const top = rankTechnician('e', stats(Array(20).fill(5)), 20, 3.5);
    expect([a, d, c, b, top].sort(compareRankings).map((r) => r.technicianId)).toEqual([
      'e',
      'b',
      'a',
      'c',
      'd',
    ]);
    expect(top).toEqual({
      technicianId: 'e',
      ratingCount: 20,
      bayesianAverage: (35 + 100) / 30,
      wilsonLowerBound: wilsonLowerBound(20, 20),
      completedJobs: 20,
      rankScore: ((35 + 100) / 30 - 1) / 4,
    });
  });
});
