import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const DISPUTE_STATUSES = ['open', 'responded', 'resolved'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const DISPUTE_EVENTS = ['respond', 'resolve'] as const;
export type DisputeEvent = (typeof DISPUTE_EVENTS)[number];

/**
 * The payee of the disputed obligation — the sub-order's dealer or the repair job's technician — or
 * staff who may update payment operations.
 */
export type DisputeActor = 'dealer' | 'technician' | 'staff';

const UNRESOLVED = ['open', 'responded'] as const;

/**
 * The dispute (or return) machine: every status change goes through the common `transition()`, which
 * writes a `dispute_history` row. The payee (a sub-order's dealer, a repair job's technician)
 * answers while it is not resolved (again: the latest answer is kept); staff resolve it with a reason. A refusal keeps the module's own
 * `dispute/resolved` (the service asks `allows` first); `dispute/invalid-transition` is left for a
 * row that changed under the caller.
 */
export const DISPUTE_MACHINE = defineStateMachine({
  noun: 'dispute',
  codePrefix: 'dispute',
  states: DISPUTE_STATUSES,
  events: DISPUTE_EVENTS,
  transitions: [
    {
      event: 'respond',
      actors: ['dealer', 'technician'],
      from: UNRESOLVED,
      to: ['responded'],
      reasonFrom: [],
    },
    {
      event: 'resolve',
      actors: ['staff'],
      from: UNRESOLVED,
      to: ['resolved'],
      reasonFrom: ['staff'],
    },
  ] satisfies TransitionRule<DisputeStatus, DisputeEvent, DisputeActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { respond: 'answered', resolve: 'resolved' },
  by: { dealer: ' by the dealer', technician: ' by the technician', staff: ' by staff' },
});
