import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it.each([
    ['10m', 600],
    ['36h', 129_600],
    ['7d', 604_800],
    ['168', 604_800],
    ['0', 0],
    ['15 M', 900],
  ])('%j is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'm', '1.5h', '-2h', '10s', '1w', '10 minutes', '12345678h'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it('writes seconds in the largest whole unit, and reads back what it writes', () => {
    expect([604_800, 129_600, 600, 90].map(formatDuration)).toEqual(['7d', '36h', '10m', '90s']);
    for (const s of [60, 3600, 86_400, 600, 129_600])
      expect(parseDuration(formatDuration(s))).toBe(s);
  });
});
