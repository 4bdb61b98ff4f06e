import { TRACKING_RULES, trackingEta } from './repair-tracking.js';

describe('trackingEta', () => {
  it('uses a fresh, plausible speed from the fix', () => {
    // 3 km at 10 m/s.
    expect(trackingEta(3000, 10, 5)).toEqual({ etaSeconds: 300, basis: 'fix_speed' });
    expect(trackingEta(3000, 25, 60)).toEqual({ etaSeconds: 120, basis: 'fix_speed' });
    expect(trackingEta(3000, 2, 0)).toEqual({ etaSeconds: 1500, basis: 'fix_speed' });
  });

  it('falls back to the city speed (18 km/h) for no speed, an implausible one or a stale fix', () => {
    const city = { etaSeconds: 600, basis: 'city_speed' };
    expect(TRACKING_RULES.citySpeedMps).toBe(5);
    expect(trackingEta(3000, null, 5)).toEqual(city);
    // Stopped at a signal, walking, or faster than a city allows.
    expect(trackingEta(3000, 0, 5)).toEqual(city);
    expect(trackingEta(3000, 1.9, 5)).toEqual(city);
    expect(trackingEta(3000, 25.1, 5)).toEqual(city);
    // A speed from a fix over a minute old.
    expect(trackingEta(3000, 10, 61)).toEqual(city);
  });

  it('is at least a minute, whole seconds rounded up', () => {
    expect(trackingEta(0, null, 0)).toEqual({ etaSeconds: 60, basis: 'city_speed' });
    expect(trackingEta(100, 10, 0)).toEqual({ etaSeconds: 60, basis: 'fix_speed' });
    expect(trackingEta(1001, null, 0).etaSeconds).toBe(201);
  });
});
