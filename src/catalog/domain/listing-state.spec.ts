import {
  LISTING_STATUSES,
  LISTING_TRANSITIONS,
  submitTarget,
  transition,
  type ListingState,
} from './listing-state.js';

const S = (status: ListingState['status'], pausedBy: ListingState['pausedBy'] = null) => ({
  status,
  pausedBy,
});

describe('listing state machine', () => {
  it('allows the declared paths', () => {
    expect(transition(S('draft'), 'submit', 'dealer', { to: S('in_review') })).toMatchObject({
      ok: true,
      to: S('in_review'),
    });
    expect(transition(S('draft'), 'submit', 'dealer', { to: S('active') })).toMatchObject({
      ok: true,
    });
    expect(transition(S('in_review'), 'approve', 'admin')).toMatchObject({ to: S('active') });
    expect(transition(S('in_review'), 'reject', 'admin', { reason: 'blurry' })).toMatchObject({
      to: S('draft'),
    });
    expect(transition(S('active'), 'pause', 'dealer')).toMatchObject({
      to: S('paused', 'dealer'),
    });
    expect(transition(S('paused', 'dealer'), 'resume', 'dealer')).toMatchObject({
      to: S('active'),
    });
    expect(transition(S('active'), 'flag', 'dealer')).toMatchObject({ to: S('in_review') });
    expect(
      transition(S('paused', 'dealer'), 'admin_pause', 'admin', { reason: 'complaints' }),
    ).toMatchObject({ to: S('paused', 'admin') });
    expect(
      transition(S('paused', 'admin'), 'reinstate', 'admin', { reason: 'resolved' }),
    ).toMatchObject({ to: S('active') });
    for (const from of [S('draft'), S('in_review'), S('active'), S('paused', 'admin')])
      expect(transition(from, 'remove', 'admin', { reason: 'counterfeit' })).toMatchObject({
        ok: true,
        to: S('removed'),
      });
  });

  it('refuses everything else with listing/invalid-transition', () => {
    const refused = [
      transition(S('active'), 'submit', 'dealer'),
      transition(S('draft'), 'submit', 'dealer', { to: S('paused', 'dealer') }),
      transition(S('draft'), 'approve', 'admin'),
      transition(S('draft'), 'pause', 'dealer'),
      transition(S('paused', 'admin'), 'resume', 'dealer'),
      transition(S('in_review'), 'approve', 'dealer'),
      transition(S('draft'), 'admin_pause', 'admin', { reason: 'x' }),
      transition(S('active'), 'reinstate', 'admin', { reason: 'x' }),
      transition(S('removed'), 'remove', 'admin', { reason: 'x' }),
      transition(S('removed'), 'resume', 'dealer'),
      transition(S('removed'), 'reinstate', 'admin', { reason: 'x' }),
    ];
    for (const r of refused)
      expect(r).toMatchObject({ ok: false, code: 'listing/invalid-transition' });
  });

  it('leaves removed terminal: no transition starts there', () => {
    for (const t of LISTING_TRANSITIONS)
      expect(t.from.map((s) => s.status)).not.toContain('removed');
    for (const status of LISTING_STATUSES)
      expect(LISTING_TRANSITIONS.some((t) => t.to.some((s) => s.status === status))).toBe(
        status !== 'removed' || LISTING_TRANSITIONS.some((t) => t.event === 'remove'),
      );
  });

  it('requires a reason for admin moderation', () => {
    expect(transition(S('active'), 'admin_pause', 'admin')).toMatchObject({
      ok: false,
      code: 'listing/reason-required',
    });
    expect(transition(S('in_review'), 'reject', 'admin', { reason: '  ' })).toMatchObject({
      code: 'listing/reason-required',
    });
    expect(transition(S('active'), 'remove', 'admin', { reason: null })).toMatchObject({
      code: 'listing/reason-required',
    });
  });

  it('sends new dealers’ first listings and near-duplicates to review', () => {
    expect(
      submitTarget({ activatedListings: 0, reviewFirstListings: 3, duplicate: false }),
    ).toEqual(S('in_review'));
    expect(
      submitTarget({ activatedListings: 2, reviewFirstListings: 3, duplicate: false }),
    ).toEqual(S('in_review'));
    expect(
      submitTarget({ activatedListings: 3, reviewFirstListings: 3, duplicate: false }),
    ).toEqual(S('active'));
    expect(submitTarget({ activatedListings: 9, reviewFirstListings: 3, duplicate: true })).toEqual(
      S('in_review'),
    );
    expect(
      submitTarget({ activatedListings: 0, reviewFirstListings: 0, duplicate: false }),
    ).toEqual(S('active'));
  });
});
