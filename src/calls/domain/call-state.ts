/**
 * A call's state machine (`CALL_MACHINE`, the common state-machine helper).
 *
 *   ringing ─accept (callee)─▶ active
 *   ringing ─decline (callee)─▶ declined
 *   ringing ─miss (system: the ring time passed, or LiveKit finished the room)─▶ missed
 *   ringing ─end (caller: cancelled; system: a right lost, no room)─▶ ended
 *   active ─end (caller or callee: hung up; system: a right lost, the room finished)─▶ ended
 *
 * `declined`, `missed` and `ended` are final. The system's moves name their reason (`end_reason`).
 */
import { defineStateMachine } from '../../common/state-machine.js';

export const CALL_STATUSES = ['ringing', 'active', 'declined', 'missed', 'ended'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
export const CALL_EVENTS = ['accept', 'decline', 'miss', 'end'] as const;
export type CallEvent = (typeof CALL_EVENTS)[number];
export const CALL_ACTORS = ['caller', 'callee', 'system'] as const;
export type CallActor = (typeof CALL_ACTORS)[number];

export const CALL_MACHINE = defineStateMachine<CallStatus, CallEvent, CallActor, 'call'>({
  noun: 'call',
  codePrefix: 'call',
  states: CALL_STATUSES,
  events: CALL_EVENTS,
  transitions: [
    { event: 'accept', actors: ['callee'], from: ['ringing'], to: ['active'], reasonFrom: [] },
    { event: 'decline', actors: ['callee'], from: ['ringing'], to: ['declined'], reasonFrom: [] },
    { event: 'miss', actors: ['system'], from: ['ringing'], to: ['missed'], reasonFrom: [] },
    {
      event: 'end',
      actors: ['caller'],
      from: ['ringing', 'active'],
      to: ['ended'],
      reasonFrom: [],
    },
    { event: 'end', actors: ['callee'], from: ['active'], to: ['ended'], reasonFrom: [] },
    {
      event: 'end',
      actors: ['system'],
      from: ['ringing', 'active'],
      to: ['ended'],
      reasonFrom: ['system'],
    },
  ],
  key: (s) => s,
  describe: (s) => s,
  past: { accept: 'accepted', decline: 'declined', miss: 'missed', end: 'ended' },
});

/** Whether a call in `status` is still ringing or in progress. */
export const isOpen = (status: CallStatus): boolean => status === 'ringing' || status === 'active';
