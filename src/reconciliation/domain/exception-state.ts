import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const EXCEPTION_STATUSES = ['open', 'cleared', 'resolved'] as const;
export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];

export const EXCEPTION_EVENTS = ['clear', 'reopen', 'resolve'] as const;
export type ExceptionEvent = (typeof EXCEPTION_EVENTS)[number];

/** `system`: a reconciliation run; `staff`: finance, with a note. */
export type ExceptionActor = 'system' | 'staff';

/**
 * A reconciliation exception's machine: every status change goes through the common `transition()`,
 * which writes a `reconciliation_exception_history` row. A run clears the open exceptions of its day
 * it no longer finds and reopens the cleared ones it finds again; finance resolves an open one with a
 * note. A refusal keeps the module's `reconciliation/exception-not-open` (the service asks `allows`
 * first); `reconciliation-exception/invalid-transition` is left for a row that changed under it.
 */
export const EXCEPTION_MACHINE = defineStateMachine({
  noun: 'reconciliation exception',
  codePrefix: 'reconciliation-exception',
  states: EXCEPTION_STATUSES,
  events: EXCEPTION_EVENTS,
  transitions: [
    { event: 'clear', actors: ['system'], from: ['open'], to: ['cleared'], reasonFrom: [] },
    { event: 'reopen', actors: ['system'], from: ['cleared'], to: ['open'], reasonFrom: [] },
    {
      event: 'resolve',
      actors: ['staff'],
      from: ['open'],
      to: ['resolved'],
      reasonFrom: ['staff'],
    },
  ] satisfies TransitionRule<ExceptionStatus, ExceptionEvent, ExceptionActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { clear: 'cleared', reopen: 'reopened', resolve: 'resolved' },
  by: { staff: ' by staff' },
});
