import {
  DEFAULT_RATE_LIMIT_POLICY,
  limitFor,
  parseRateLimitPolicy,
  type PolicySubject,
  type RateLimitCategory,
} from './rate-limit-policy.js';

/** README "Rate limits and abuse blocks", row for row: who, categories, perMinute / burst. */
const README_TABLE: [PolicySubject[], RateLimitCategory[], number, number][] = [
  [['anonymous'], ['auth'], 10, 5],
  [['anonymous'], ['orders', 'chat', 'inventory', 'location', 'default'], 60, 20],
  [['customer', 'business'], ['orders', 'chat'], 60, 10],
  [['dealer'], ['inventory', 'orders'], 120, 20],
  [['technician'], ['location'], 30, 5],
  [['technician'], ['chat'], 60, 10],
  [['customer', 'business', 'dealer', 'technician'], ['auth'], 10, 5],
  [['customer', 'business'], ['inventory', 'location', 'default'], 120, 30],
  [['dealer'], ['chat', 'location', 'default'], 120, 30],
  [['technician'], ['orders', 'inventory', 'default'], 120, 30],
  [
    ['admin', 'finance', 'ops_leader', 'compliance', 'cfo'],
    ['auth', 'orders', 'chat', 'inventory', 'location', 'default'],
    300,
    60,
  ],
];

describe('the default rate-limit policy', () => {
  it.each(README_TABLE)(
    '%j on %j: %d per minute, burst %d',
    (who, categories, perMinute, burst) => {
      for (const subject of who)
        for (const category of categories)
          expect(limitFor(DEFAULT_RATE_LIMIT_POLICY, subject, category)).toEqual({
            perMinute,
            burst,
          });
    },
  );

  it('caps each IP at 600 per minute, burst 100', () => {
    expect(DEFAULT_RATE_LIMIT_POLICY.perIp).toEqual({ perMinute: 600, burst: 100 });
  });

  it('merges an override over a role row, keeping the categories it does not name', () => {
    const policy = parseRateLimitPolicy('{"customer":{"orders":{"perMinute":30,"burst":5}}}');
    if (typeof policy === 'string') throw new Error(policy);
    expect(limitFor(policy, 'customer', 'orders')).toEqual({ perMinute: 30, burst: 5 });
    expect(limitFor(policy, 'customer', 'chat')).toEqual({ perMinute: 60, burst: 10 });
    expect(limitFor(policy, 'dealer', 'orders')).toEqual({ perMinute: 120, burst: 20 });
  });
});
