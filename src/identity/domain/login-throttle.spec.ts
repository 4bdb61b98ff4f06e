import {
  recordFailure,
  throttleVerdict,
  type ThrottlePolicy,
  type ThrottleRecord,
} from './login-throttle.js';

const p: ThrottlePolicy = {
  slowdownAfterFailures: 3,
  lockoutAfterFailures: 6,
  lockoutSeconds: 900,
  failureWindowSeconds: 900,
};
const t0 = new Date('2026-11-26T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('login throttle', () => {
  it('allows the first failures freely, then doubles the wait, then locks', () => {
    let r: ThrottleRecord | undefined;
    for (let i = 0; i < 2; i++) r = recordFailure(r, t0, p);
    expect(throttleVerdict(r, t0, p)).toEqual({ allowed: true });
    r = recordFailure(r, t0, p); // 3 failures: wait 1 s
    expect(throttleVerdict(r, at(0.5), p)).toEqual({
      allowed: false,
      locked: false,
      retryAt: at(1),
    });
    expect(throttleVerdict(r, at(1), p)).toEqual({ allowed: true });
    r = recordFailure(r, at(1), p); // 4: wait 2 s
    expect(throttleVerdict(r, at(2), p)).toEqual({ allowed: false, locked: false, retryAt: at(3) });
    r = recordFailure(r, at(3), p); // 5: wait 4 s
    expect(throttleVerdict(r, at(6), p)).toMatchObject({ allowed: false, retryAt: at(7) });
    r = recordFailure(r, at(7), p); // 6: locked for 900 s
    expect(r.lockedUntil).toEqual(at(907));
    expect(throttleVerdict(r, at(500), p)).toEqual({
      allowed: false,
      locked: true,
      retryAt: at(907),
    });
    expect(throttleVerdict(r, at(907), p)).toEqual({ allowed: true });
  });

  it('forgets failures older than the window', () => {
    let r = recordFailure(undefined, t0, p);
    r = recordFailure(r, t0, p);
    r = recordFailure(r, t0, p);
    expect(throttleVerdict(r, at(0.1), p).allowed).toBe(false);
    expect(throttleVerdict(r, at(901), p)).toEqual({ allowed: true });
    expect(recordFailure(r, at(901), p).failures).toBe(1);
  });
});
