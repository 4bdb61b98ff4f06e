import { allows, decide } from '../common/state-machine.js';
import { PROPOSAL_MACHINE, proposalActor } from './proposal-machine.js';

describe('the proposal machine', () => {
  it('names the maker, a checker and the maker overriding', () => {
    expect(proposalActor('u1', 'u2', 'approve', false)).toBe('checker');
    expect(proposalActor('u1', 'u2', 'approve', true)).toBe('checker');
    expect(proposalActor('u1', 'u1', 'approve', false)).toBe('maker');
    expect(proposalActor('u1', 'u1', 'approve', true)).toBe('override');
    expect(proposalActor('u1', 'u1', 'reject', true)).toBe('maker');
  });

  it('lets a checker approve, never the maker (an override needs a reason)', () => {
    expect(decide(PROPOSAL_MACHINE, 'proposed', 'approve', 'checker')).toEqual({
      ok: true,
      from: 'proposed',
      to: 'approved',
    });
    expect(allows(PROPOSAL_MACHINE, 'proposed', 'approve', 'maker')).toBe(false);
    expect(decide(PROPOSAL_MACHINE, 'proposed', 'approve', 'maker')).toMatchObject({
      ok: false,
      code: 'proposal/invalid-transition',
      detail: 'A proposal that is proposed cannot be approved by its proposer',
    });
    expect(decide(PROPOSAL_MACHINE, 'proposed', 'approve', 'override')).toMatchObject({
      ok: false,
      code: 'proposal/reason-required',
    });
    expect(
      decide(PROPOSAL_MACHINE, 'proposed', 'approve', 'override', { reason: 'urgent payout' }),
    ).toMatchObject({ ok: true, to: 'approved' });
  });

  it('lets the maker withdraw and a checker reject, each with a reason, once', () => {
    for (const actor of ['maker', 'checker'] as const) {
      expect(decide(PROPOSAL_MACHINE, 'proposed', 'reject', actor)).toMatchObject({
        ok: false,
        code: 'proposal/reason-required',
      });
      expect(
        decide(PROPOSAL_MACHINE, 'proposed', 'reject', actor, { reason: 'wrong amount' }),
      ).toMatchObject({ ok: true, to: 'rejected' });
    }
    for (const from of ['approved', 'rejected', 'superseded'] as const)
      for (const event of ['approve', 'reject', 'supersede'] as const)
        expect(decide(PROPOSAL_MACHINE, from, event, 'checker', { reason: 'again' })).toMatchObject(
          { ok: false, code: 'proposal/invalid-transition' },
        );
  });

  it('lets only the maker supersede its waiting proposal (a newer one), with a reason', () => {
    expect(decide(PROPOSAL_MACHINE, 'proposed', 'supersede', 'maker')).toMatchObject({
      ok: false,
      code: 'proposal/reason-required',
    });
    expect(
      decide(PROPOSAL_MACHINE, 'proposed', 'supersede', 'maker', { reason: 'newer details' }),
    ).toEqual({ ok: true, from: 'proposed', to: 'superseded' });
    for (const actor of ['checker', 'override'] as const)
      expect(
        decide(PROPOSAL_MACHINE, 'proposed', 'supersede', actor, { reason: 'x' }),
      ).toMatchObject({ ok: false, code: 'proposal/invalid-transition' });
  });
});
