import { decide } from '../../common/state-machine.js';
import {
  REPAIR_JOB_EVENTS,
  REPAIR_JOB_MACHINE,
  REPAIR_JOB_STATUSES,
  type RepairJobActor,
  type RepairJobEvent,
  type RepairJobStatus,
} from './repair-job-state.js';

// Written by hand from the diagram in repair-job-state.ts, not from the table: every allowed move,
// with its target; every other (status, event, actor) is refused.
const ALLOWED: [RepairJobStatus, RepairJobEvent, RepairJobActor, RepairJobStatus][] = [
  ['awaiting_payment', 'pay', 'payment', 'paid'],
  ['awaiting_payment', 'cancel', 'customer', 'cancelled'],
  ['paid', 'complete', 'customer', 'completed'],
  ['paid', 'complete', 'admin', 'completed'],
];
const ACTORS: RepairJobActor[] = ['customer', 'admin', 'payment'];

describe('repair job state machine', () => {
  it('allows exactly the moves of its diagram', () => {
    for (const from of REPAIR_JOB_STATUSES)
      for (const event of REPAIR_JOB_EVENTS)
        for (const actor of ACTORS) {
          const move = ALLOWED.find(([f, e, a]) => f === from && e === event && a === actor);
          const decision = decide(REPAIR_JOB_MACHINE, from, event, actor, {
            reason: actor === 'admin' ? 'confirmed by phone' : null,
          });
          expect({ from, event, actor, decision }).toEqual({
            from,
            event,
            actor,
            decision: move
              ? { ok: true, from, to: move[3] }
              : expect.objectContaining({ ok: false }),
          });
        }
  });

  it('refuses in words, and asks staff for a reason', () => {
    expect(decide(REPAIR_JOB_MACHINE, 'awaiting_payment', 'complete', 'customer')).toEqual({
      ok: false,
      code: 'repair-job/invalid-transition',
      detail: 'A repair job that is awaiting payment cannot be completed',
    });
    expect(decide(REPAIR_JOB_MACHINE, 'completed', 'complete', 'admin')).toMatchObject({
      detail: 'A repair job that is completed cannot be completed by staff',
    });
    expect(decide(REPAIR_JOB_MACHINE, 'paid', 'complete', 'admin')).toMatchObject({
      ok: false,
      code: 'repair-job/reason-required',
    });
  });
});
