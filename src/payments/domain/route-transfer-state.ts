/**
 * The Route transfer of an escrow hold (`escrow_holds.transfer_status`) as a declared transition
 * table (`ROUTE_TRANSFER_MACHINE`), a second machine on the hold's row; every move writes an
 * `escrow_transfer_history` row in the same statement.
 *
 *   none, pending ─start─▶ pending (an attempt; a retried attempt looks for its transfer first)
 *   pending ─record─▶ on_hold | released (the gateway created the transfer)
 *   on_hold ─release─▶ released (its hold lifted at the escrow's release)
 *   pending, on_hold ─fail─▶ failed (a refusal, or the attempts ran out)
 *   failed ─retry─▶ pending | on_hold (staff, audited: create again, or lift the hold again)
 */
import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const ROUTE_TRANSFER_STATUSES = [
  'none',
  'pending',
  'on_hold',
  'released',
  'failed',
] as const;
export type RouteTransferStatus = (typeof ROUTE_TRANSFER_STATUSES)[number];

export const ROUTE_TRANSFER_EVENTS = ['start', 'record', 'release', 'fail', 'retry'] as const;
export type RouteTransferEvent = (typeof ROUTE_TRANSFER_EVENTS)[number];

/** system: the Route jobs; gateway: the transfer Razorpay created; staff: a retry. */
export type RouteTransferActor = 'system' | 'gateway' | 'staff';

export const ROUTE_TRANSFER_MACHINE = defineStateMachine({
  noun: 'Route transfer',
  codePrefix: 'route-transfer',
  states: ROUTE_TRANSFER_STATUSES,
  events: ROUTE_TRANSFER_EVENTS,
  transitions: [
    {
      event: 'start',
      actors: ['system'],
      from: ['none', 'pending'],
      to: ['pending'],
      reasonFrom: [],
    },
    {
      event: 'record',
      actors: ['gateway'],
      from: ['pending'],
      to: ['on_hold', 'released'],
      reasonFrom: [],
    },
    { event: 'release', actors: ['system'], from: ['on_hold'], to: ['released'], reasonFrom: [] },
    {
      event: 'fail',
      actors: ['system'],
      from: ['pending', 'on_hold'],
      to: ['failed'],
      reasonFrom: ['system'],
    },
    {
      event: 'retry',
      actors: ['staff'],
      from: ['failed'],
      to: ['pending', 'on_hold'],
      reasonFrom: [],
    },
  ] satisfies TransitionRule<RouteTransferStatus, RouteTransferEvent, RouteTransferActor>[],
  key: (s) => s,
  describe: (s) => s.replace('_', ' '),
  past: {
    start: 'started',
    record: 'recorded',
    release: 'released',
    fail: 'failed',
    retry: 'retried',
  },
});
