/**
 * The repair job state machine (`REPAIR_JOB_MACHINE`, the common state-machine helper): the skeleton
 * that paying and releasing need; the repair-services issue adds quoting, assignment and the visit.
 *
 *   awaiting_payment ─pay─▶ paid ─complete─▶ completed
 *     └─cancel─▶ cancelled
 *
 * `pay` is the payment port's (a captured payment); `complete` (the customer, or staff with a
 * reason) makes the job's escrow hold due for release to the technician (src/escrow/).
 */
import { defineStateMachine } from '../../common/state-machine.js';

export const REPAIR_JOB_STATUSES = ['awaiting_payment', 'paid', 'completed', 'cancelled'] as const;
export type RepairJobStatus = (typeof REPAIR_JOB_STATUSES)[number];

export const REPAIR_JOB_EVENTS = ['pay', 'complete', 'cancel'] as const;
export type RepairJobEvent = (typeof REPAIR_JOB_EVENTS)[number];

export type RepairJobActor = 'customer' | 'admin' | 'payment';

export const REPAIR_JOB_MACHINE = defineStateMachine<
  RepairJobStatus,
  RepairJobEvent,
  RepairJobActor,
  'repair-job'
>({
  noun: 'repair job',
  codePrefix: 'repair-job',
  states: REPAIR_JOB_STATUSES,
  events: REPAIR_JOB_EVENTS,
  transitions: [
    { event: 'pay', actors: ['payment'], from: ['awaiting_payment'], to: ['paid'], reasonFrom: [] },
    {
      event: 'complete',
      actors: ['customer', 'admin'],
      from: ['paid'],
      to: ['completed'],
      reasonFrom: ['admin'],
    },
    {
      event: 'cancel',
      actors: ['customer'],
      from: ['awaiting_payment'],
      to: ['cancelled'],
      reasonFrom: [],
    },
  ],
  key: (s) => s,
  describe: (s) => s.replace('_', ' '),
  past: { pay: 'paid', complete: 'completed', cancel: 'cancelled' },
  by: { admin: ' by staff' },
});
