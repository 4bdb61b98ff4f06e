import { ACCOUNT_STATUSES } from '../../common/roles.js';
import { decideStatusChange, type StatusAction } from './account-status.js';

const base = {
  targetRole: 'dealer' as const,
  targetIsActor: false,
  actorCanOverride: false,
  overrideRequested: false,
};

describe('decideStatusChange', () => {
  it.each<[StatusAction, string, string]>([
    ['approve', 'pending', 'approved'],
    ['approve', 'suspended', 'approved'],
    ['suspend', 'approved', 'suspended'],
    ['block', 'pending', 'blocked'],
    ['block', 'approved', 'blocked'],
    ['block', 'suspended', 'blocked'],
  ])('lets an admin %s a %s account', (action, from, to) => {
    expect(decideStatusChange({ ...base, action, from: from as never })).toEqual({
      ok: true,
      to,
      override: false,
    });
  });

  it.each<[StatusAction, string]>([
    ['approve', 'blocked'],
    ['suspend', 'pending'],
    ['suspend', 'blocked'],
  ])(
    'forbids %s from %s without an override, and allows it to an ops leader who asks',
    (action, from) => {
      expect(decideStatusChange({ ...base, action, from: from as never })).toEqual({
        ok: false,
        reason: 'forbidden_by_policy',
      });
      expect(
        decideStatusChange({ ...base, action, from: from as never, overrideRequested: true }),
      ).toEqual({
        ok: false,
        reason: 'override_not_permitted',
      });
      const r = decideStatusChange({
        ...base,
        action,
        from: from as never,
        overrideRequested: true,
        actorCanOverride: true,
      });
      expect(r).toMatchObject({ ok: true, override: true });
    },
  );

  it('treats staff targets as policy-forbidden and self-changes as never allowed', () => {
    expect(
      decideStatusChange({ ...base, action: 'suspend', from: 'approved', targetRole: 'finance' }),
    ).toEqual({
      ok: false,
      reason: 'forbidden_by_policy',
    });
    for (const from of ACCOUNT_STATUSES) {
      expect(
        decideStatusChange({
          ...base,
          action: 'block',
          from,
          targetIsActor: true,
          actorCanOverride: true,
          overrideRequested: true,
        }),
      ).toEqual({ ok: false, reason: 'self' });
    }
  });

  it('reports no-op changes', () => {
    expect(decideStatusChange({ ...base, action: 'approve', from: 'approved' })).toEqual({
      ok: false,
      reason: 'unchanged',
    });
  });
});
