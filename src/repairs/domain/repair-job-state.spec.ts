import { decide } from '../../common/state-machine.js';
import {
  REPAIR_JOB_EVENTS,
  REPAIR_JOB_MACHINE,
  REPAIR_JOB_STATUSES,
  type RepairJobActor,
  type RepairJobEvent,
  type RepairJobStatus,
} from './repair-job-state.js';

type Move = [RepairJobStatus, RepairJobEvent, RepairJobActor, RepairJobStatus];

// Written by hand from the diagram in repair-job-state.ts, not from the table: every allowed move,
// with its target; every other (status, event, actor) is refused.
const UNPAID: RepairJobStatus[] = [
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
];
const ALLOWED: Move[] = [
  ['matching', 'accept_offer', 'technician', 'assigned'],
  ['matching', 'exhaust', 'system', 'awaiting_assignment'],
  ['matching', 'assign', 'staff', 'assigned'],
  ['matching', 'cancel', 'customer', 'cancelled'],
  ['matching', 'cancel', 'staff', 'cancelled'],
  ['awaiting_assignment', 'assign', 'staff', 'assigned'],
  ['assigned', 'depart', 'technician', 'en_route'],
  ['en_route', 'arrive', 'technician', 'arrived'],
  ['arrived', 'diagnose', 'technician', 'diagnosing'],
  ['assigned', 'diagnose', 'technician', 'diagnosing'],
  ['diagnosing', 'quote', 'technician', 'quoted'],
  ['quoted', 'quote', 'technician', 'quoted'],
  ['quoted', 'reject_quote', 'customer', 'diagnosing'],
  ['quoted', 'approve_quote', 'customer', 'awaiting_payment'],
  ['awaiting_payment', 'pay', 'payment', 'in_progress'],
  ['in_progress', 'quote_supplement', 'technician', 'in_progress'],
  ['in_progress', 'approve_supplement', 'customer', 'in_progress'],
  ['in_progress', 'decline_supplement', 'customer', 'in_progress'],
  ['in_progress', 'pay_supplement', 'payment', 'in_progress'],
  ['in_progress', 'withdraw_supplement', 'technician', 'in_progress'],
  ['in_progress', 'withdraw_supplement', 'staff', 'in_progress'],
  ['in_progress', 'finish', 'technician', 'done'],
  ['in_progress', 'cancel', 'customer', 'cancelled'],
  ['in_progress', 'cancel', 'technician', 'cancelled'],
  ['in_progress', 'cancel', 'staff', 'cancelled'],
  ['done', 'confirm', 'customer', 'confirmed'],
  ['done', 'confirm', 'system', 'confirmed'],
  ['done', 'confirm', 'staff', 'confirmed'],
  ['done', 'dispute', 'customer', 'disputed'],
  ['disputed', 'resolve_dispute', 'staff', 'confirmed'],
  ['confirmed', 'close', 'system', 'closed'],
  ['awaiting_assignment', 'cancel', 'customer', 'cancelled'],
  ['awaiting_assignment', 'cancel', 'staff', 'cancelled'],
  ...UNPAID.flatMap((s): Move[] => [
    [s, 'withdraw', 'technician', 'awaiting_assignment'],
    [s, 'reassign', 'staff', 'assigned'],
    [s, 'cancel', 'customer', 'cancelled'],
    [s, 'cancel', 'staff', 'cancelled'],
  ]),
];
const ACTORS: RepairJobActor[] = ['customer', 'technician', 'staff', 'payment', 'system'];

describe('repair job state machine', () => {
  it('allows exactly the moves of its diagram', () => {
    for (const from of REPAIR_JOB_STATUSES)
      for (const event of REPAIR_JOB_EVENTS)
        for (const actor of ACTORS) {
          const move = ALLOWED.find(([f, e, a]) => f === from && e === event && a === actor);
          const decision = decide(REPAIR_JOB_MACHINE, from, event, actor, {
            reason: 'confirmed by phone',
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

  it('never moves money states backwards: nothing leaves in progress but finishing or cancelling', () => {
    const supplement = [
      'quote_supplement',
      'approve_supplement',
      'decline_supplement',
      'pay_supplement',
      'withdraw_supplement',
    ];
    for (const event of REPAIR_JOB_EVENTS)
      for (const actor of ACTORS) {
        const decision = decide(REPAIR_JOB_MACHINE, 'in_progress', event, actor, { reason: 'x' });
        if (!(event === 'finish' && actor === 'technician') && event !== 'cancel')
          expect(decision.ok ? decision.to : 'refused').toBe(
            supplement.includes(event) && decision.ok ? 'in_progress' : 'refused',
          );
      }
  });

  it('resolves a dispute to confirmed (the technician is paid) or cancelled (a full refund), nothing else', () => {
    for (const to of ['confirmed', 'cancelled'] as const)
      expect(
        decide(REPAIR_JOB_MACHINE, 'disputed', 'resolve_dispute', 'staff', { to, reason: 'x' }),
      ).toEqual({ ok: true, from: 'disputed', to });
    expect(
      decide(REPAIR_JOB_MACHINE, 'disputed', 'resolve_dispute', 'staff', {
        to: 'closed',
        reason: 'x',
      }),
    ).toMatchObject({ ok: false, code: 'repair-job/invalid-transition' });
  });

  it('refuses in words, and asks for reasons where the diagram does', () => {
    expect(decide(REPAIR_JOB_MACHINE, 'done', 'cancel', 'customer')).toEqual({
      ok: false,
      code: 'repair-job/invalid-transition',
      detail: 'A repair job that is done cannot be cancelled',
    });
    expect(decide(REPAIR_JOB_MACHINE, 'assigned', 'cancel', 'technician')).toMatchObject({
      detail: 'A repair job that is assigned cannot be cancelled by its technician',
    });
    expect(decide(REPAIR_JOB_MACHINE, 'done', 'cancel', 'staff', { reason: 'x' })).toMatchObject({
      detail: 'A repair job that is done cannot be cancelled by staff',
    });
    for (const [from, event, actor] of [
      ['done', 'confirm', 'staff'],
      ['assigned', 'withdraw', 'technician'],
      ['in_progress', 'cancel', 'technician'],
      ['in_progress', 'cancel', 'staff'],
      ['done', 'dispute', 'customer'],
      ['disputed', 'resolve_dispute', 'staff'],
    ] as const)
      expect(decide(REPAIR_JOB_MACHINE, from, event, actor)).toMatchObject({
        ok: false,
        code: 'repair-job/reason-required',
      });
    expect(decide(REPAIR_JOB_MACHINE, 'done', 'confirm', 'customer')).toMatchObject({ ok: true });
  });
});
