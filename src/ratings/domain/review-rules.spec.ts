import { editRefusal, isRevealed, reviewFlags, reviewWindowClosesAt } from './review-rules.js';

const at = (iso: string) => new Date(iso);

describe('review rules', () => {
  it('the window closes 14 days after completion; a review is revealed when both are in or it closes', () => {
    const closes = reviewWindowClosesAt(at('2026-12-01T10:00:00Z'));
    expect(closes.toISOString()).toBe('2026-12-15T10:00:00.000Z');
    expect(isRevealed(at('2026-12-15T09:59:59Z'), closes, false)).toBe(false);
    expect(isRevealed(at('2026-12-15T10:00:00Z'), closes, false)).toBe(true);
    expect(isRevealed(at('2026-12-02T00:00:00Z'), closes, true)).toBe(true);
  });

  it('edits: for 48 h after submission, and never once revealed', () => {
    const review = {
      submittedAt: at('2026-12-01T10:00:00Z'),
      windowClosesAt: at('2026-12-10T10:00:00Z'),
      bothIn: false,
    };
    expect(editRefusal(at('2026-12-03T09:59:59Z'), review)).toBeNull();
    expect(editRefusal(at('2026-12-03T10:00:00Z'), review)).toBe('edit_window_closed');
    expect(editRefusal(at('2026-12-02T10:00:00Z'), { ...review, bothIn: true })).toBe('revealed');
    const late = { ...review, windowClosesAt: at('2026-12-02T00:00:00Z') };
    expect(editRefusal(at('2026-12-02T10:00:00Z'), late)).toBe('revealed');
  });

  it('flags a burst from the third review by new accounts, and the technician’s own device or IP', () => {
    const quiet = {
      recentNewAccountReviews: 2,
      sameDeviceAsTechnician: false,
      sameIpAsTechnician: false,
    };
    expect(reviewFlags(quiet)).toEqual([]);
    expect(reviewFlags({ ...quiet, recentNewAccountReviews: 3 })).toEqual(['burst']);
    expect(
      reviewFlags({
        recentNewAccountReviews: 0,
        sameDeviceAsTechnician: true,
        sameIpAsTechnician: true,
      }),
    ).toEqual(['technician_device', 'technician_ip']);
  });
});
