import { decide } from '../../common/state-machine.js';
import {
  CALL_ACTORS,
  CALL_EVENTS,
  CALL_MACHINE,
  CALL_STATUSES,
  isOpen,
  type CallActor,
  type CallEvent,
  type CallStatus,
} from './call-state.js';

// Written from the file comment's diagram, not from CALL_MACHINE's table.
const ALLOWED: [CallStatus, CallEvent, CallActor, CallStatus][] = [
  ['ringing', 'accept', 'callee', 'active'],
  ['ringing', 'decline', 'callee', 'declined'],
  ['ringing', 'miss', 'system', 'missed'],
  ['ringing', 'end', 'caller', 'ended'],
  ['ringing', 'end', 'system', 'ended'],
  ['active', 'end', 'caller', 'ended'],
  ['active', 'end', 'callee', 'ended'],
  ['active', 'end', 'system', 'ended'],
];

describe('CALL_MACHINE', () => {
  it('allows exactly the diagram’s moves, each to its target', () => {
    for (const from of CALL_STATUSES)
      for (const event of CALL_EVENTS)
        for (const actor of CALL_ACTORS) {
          const row = ALLOWED.find(([f, e, a]) => f === from && e === event && a === actor);
          const decision = decide(CALL_MACHINE, from, event, actor, { reason: 'why' });
          expect([from, event, actor, decision.ok ? decision.to : null]).toEqual([
            from,
            event,
            actor,
            row?.[3] ?? null,
          ]);
        }
  });

  it('declined, missed and ended are final; only the system gives a reason', () => {
    for (const s of CALL_STATUSES) expect(isOpen(s)).toBe(s === 'ringing' || s === 'active');
    expect(decide(CALL_MACHINE, 'active', 'end', 'system')).toMatchObject({
      ok: false,
      code: 'call/reason-required',
    });
    expect(decide(CALL_MACHINE, 'ended', 'end', 'caller')).toMatchObject({
      ok: false,
      code: 'call/invalid-transition',
    });
  });
});
