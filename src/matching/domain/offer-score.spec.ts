import { offerScore, rankCandidates } from './offer-score.js';

const W = { distance: 0.5, rating: 0.4, load: 0.1 };
const R = 20_000;

describe('offer score', () => {
  it('weighs nearness, rank and load as documented', () => {
    expect(offerScore({ technicianId: 'a', distanceM: 0, rankScore: 1, load: 0 }, R, W)).toBe(0.9);
    expect(offerScore({ technicianId: 'a', distanceM: R, rankScore: 0, load: 0 }, R, W)).toBe(0);
    expect(
      offerScore({ technicianId: 'a', distanceM: 10_000, rankScore: 0.5, load: 3 }, R, W),
    ).toBeCloseTo(0.25 + 0.2 - 0.1, 12);
    // Load is capped at 3.
    expect(
      offerScore({ technicianId: 'a', distanceM: 0, rankScore: 0, load: 9 }, R, W),
    ).toBeCloseTo(0.5 - 0.1, 12);
  });

  it('ranks best first: a better-rated technician a little farther beats a poorly rated one nearby, load costs a little; ties go to the nearer, then the id', () => {
    const ranked = rankCandidates(
      [
        { technicianId: 'near-poor', distanceM: 500, rankScore: 0.1, load: 0 },
        { technicianId: 'far-good', distanceM: 3_000, rankScore: 0.9, load: 0 },
        { technicianId: 'busy-good', distanceM: 3_000, rankScore: 0.9, load: 3 },
        { technicianId: 'b-tie', distanceM: 1_000, rankScore: 0.5, load: 0 },
        { technicianId: 'a-tie', distanceM: 1_000, rankScore: 0.5, load: 0 },
      ],
      R,
      W,
    );
    expect(ranked.map((c) => c.technicianId)).toEqual([
      'far-good',
      'busy-good',
      'a-tie',
      'b-tie',
      'near-poor',
    ]);
  });
});
