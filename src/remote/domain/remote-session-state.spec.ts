import { allows, decide } from '../../common/state-machine.js';
import { LIVE_STATUSES, REMOTE_SESSION_MACHINE as M } from './remote-session-state.js';

describe('remote session state machine', () => {
  it('walks the happy path: requested → approved → tokens_issued → connected → active → ended', () => {
    expect(decide(M, 'requested', 'approve', 'customer')).toEqual({
      ok: true,
      from: 'requested',
      to: 'approved',
    });
    expect(decide(M, 'approved', 'issue_tokens', 'technician')).toMatchObject({
      ok: true,
      to: 'tokens_issued',
    });
    expect(decide(M, 'tokens_issued', 'pair', 'relay')).toMatchObject({
      ok: true,
      to: 'connected',
    });
    expect(decide(M, 'connected', 'open', 'relay')).toMatchObject({ ok: true, to: 'active' });
    expect(decide(M, 'active', 'end', 'customer')).toMatchObject({ ok: true, to: 'ended' });
  });

  it('lets only the customer approve, and only a requested session', () => {
    expect(decide(M, 'requested', 'approve', 'technician')).toMatchObject({
      ok: false,
      code: 'remote-session/invalid-transition',
    });
    expect(decide(M, 'approved', 'approve', 'customer')).toMatchObject({ ok: false });
  });

  it('issues no tokens before approval, and pairs and opens only on the relay’s word', () => {
    expect(allows(M, 'requested', 'issue_tokens', 'technician')).toBe(false);
    expect(allows(M, 'approved', 'pair', 'relay')).toBe(false);
    expect(allows(M, 'tokens_issued', 'pair', 'technician')).toBe(false);
    expect(allows(M, 'tokens_issued', 'open', 'relay')).toBe(false);
  });

  it('ends any live session; staff and the system must say why; ended is final', () => {
    for (const from of LIVE_STATUSES) {
      expect(decide(M, from, 'end', 'technician')).toMatchObject({ ok: true, to: 'ended' });
      expect(decide(M, from, 'end', 'staff')).toMatchObject({
        ok: false,
        code: 'remote-session/reason-required',
      });
      expect(decide(M, from, 'end', 'system', { reason: 'hard_stop' })).toMatchObject({ ok: true });
    }
    for (const actor of ['customer', 'technician', 'staff', 'relay', 'system'] as const)
      expect(allows(M, 'ended', 'end', actor)).toBe(false);
  });

  it('lets the relay end only sessions it can know (tokens issued)', () => {
    expect(allows(M, 'requested', 'end', 'relay')).toBe(false);
    expect(allows(M, 'approved', 'end', 'relay')).toBe(false);
    for (const from of ['tokens_issued', 'connected', 'active'] as const)
      expect(decide(M, from, 'end', 'relay', { reason: 'agent_timeout' })).toMatchObject({
        ok: true,
      });
  });
});
