import {
  distanceM,
  rollingScore,
  scoreFix,
  teleportBeforeAccept,
  toE7,
  type LocationFix,
} from './location-plausibility.js';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const at = (lat: number, lng: number, seconds: number, extra: Partial<LocationFix> = {}) => ({
  latE7: toE7(lat),
  lngE7: toE7(lng),
  accuracyM: 10,
  recordedAtMs: T0 + seconds * 1000,
  mock: false,
  ...extra,
});
/** 0.009° of latitude ≈ 1 km. */
const KM = 0.009;

describe('scoreFix', () => {
  it('scores a plausible move 0', () => {
    // 1 km in 2 minutes: 30 km/h.
    expect(scoreFix(at(12.97 + KM, 77.59, 120), [at(12.97, 77.59, 0)], T0 + 121_000)).toEqual({
      score: 0,
      reasons: [],
    });
    expect(distanceM(at(12.97, 77.59, 0), at(12.97 + KM, 77.59, 0))).toBeCloseTo(1000.7, 0);
  });

  it('calls more than 200 km/h beyond the accuracy radii impossible, and forgives GPS jitter', () => {
    // 1 km in 10 s: 360 km/h.
    expect(scoreFix(at(12.97 + KM, 77.59, 10), [at(12.97, 77.59, 0)], T0 + 10_000)).toEqual({
      score: 100,
      reasons: ['impossible_speed'],
    });
    // 80 m in 1 s with 10 m accuracy: a multipath jump, not a teleport.
    expect(scoreFix(at(12.97 + KM * 0.08, 77.59, 1), [at(12.97, 77.59, 0)], T0 + 1000).score).toBe(
      0,
    );
    // A jump at the same instant.
    expect(scoreFix(at(12.98, 77.59, 0), [at(12.97, 77.59, 0)], T0).reasons).toEqual([
      'impossible_speed',
    ]);
  });

  it('scores the mock flag, weak accuracy and clock skew', () => {
    expect(scoreFix(at(12.97, 77.59, 0, { mock: true }), [], T0)).toEqual({
      score: 100,
      reasons: ['mock_location'],
    });
    expect(scoreFix(at(12.97, 77.59, 0, { accuracyM: 150 }), [], T0)).toEqual({
      score: 15,
      reasons: ['weak_accuracy'],
    });
    expect(scoreFix(at(12.97, 77.59, 31), [], T0).reasons).toEqual(['clock_skew']);
    expect(scoreFix(at(12.97, 77.59, 30), [], T0).reasons).toEqual([]);
    expect(scoreFix(at(12.97, 77.59, -301), [], T0)).toEqual({ score: 20, reasons: ['stale_fix'] });
  });

  it('tells a replayed earlier fix from a repeat of the last one, and a retry from both', () => {
    const earlier = at(12.9712345, 77.5912345, 0);
    const last = at(12.9723456, 77.5923456, 30);
    expect(scoreFix(at(12.9712345, 77.5912345, 60), [last, earlier], T0 + 60_000)).toEqual({
      score: 60,
      reasons: ['replayed_coordinates'],
    });
    expect(scoreFix(at(12.9723456, 77.5923456, 60), [last, earlier], T0 + 60_000)).toEqual({
      score: 20,
      reasons: ['repeated_coordinates'],
    });
    expect(scoreFix(last, [last, earlier], T0 + 31_000).score).toBe(0);
    // Different in the 7th decimal: not a repeat.
    expect(scoreFix(at(12.9723457, 77.5923456, 60), [last], T0 + 60_000).score).toBe(0);
  });

  it('caps a fix at 100 and decays the rolling score by half per fix', () => {
    const fix = at(12.98, 77.59, 200, { mock: true, accuracyM: 500 });
    expect(scoreFix(fix, [at(12.97, 77.59, 199)], T0).score).toBe(100);
    expect(rollingScore(0, 60)).toBe(60);
    expect(rollingScore(60, 60)).toBe(90);
    expect(rollingScore(90, 20)).toBe(65);
  });
});

describe('teleportBeforeAccept', () => {
  const drive = [at(12.97, 77.59, 0), at(12.97 + KM * 0.3, 77.59, 60)];

  it('finds a big fast jump landing just before the acceptance', () => {
    const jumped = [...drive, at(12.97 + KM * 5.3, 77.59, 90)];
    expect(teleportBeforeAccept(jumped, T0 + 100_000)).toEqual({
      suspicious: true,
      jumpM: expect.any(Number) as number,
      secondsBeforeAccept: 10,
    });
    expect(teleportBeforeAccept(jumped, T0 + 100_000).jumpM).toBeGreaterThan(4900);
  });

  it('ignores jumps outside the window, slow moves and fixes after the acceptance', () => {
    const jumped = [...drive, at(12.97 + KM * 5.3, 77.59, 90)];
    expect(teleportBeforeAccept(jumped, T0 + 300_000).suspicious).toBe(false);
    expect(teleportBeforeAccept(jumped, T0 + 80_000).suspicious).toBe(false);
    // 5 km in 10 minutes: 30 km/h.
    expect(
      teleportBeforeAccept([...drive, at(12.97 + KM * 5.3, 77.59, 660)], T0 + 700_000).suspicious,
    ).toBe(false);
  });
});
