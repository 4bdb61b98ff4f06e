/**
 * A daily reconciliation run (`reconciliation_runs.status`) as a declared transition table
 * (`RECONCILIATION_RUN_MACHINE`); every move writes a `reconciliation_run_history` row in the same
 * statement.
 *
 *   queued ─start─▶ running ─complete─▶ completed (its findings stored)
 *   running ─fail─▶ failed (the gateway or the run failed; the error is the reason)
 *   running ─abandon─▶ failed (still running after RUN_STALE_MINUTES when the day is queued again)
 */
import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_EVENTS = ['start', 'complete', 'fail', 'abandon'] as const;
export type RunEvent = (typeof RUN_EVENTS)[number];

/** system: the reconciliation job. */
export type RunActor = 'system';

export const RECONCILIATION_RUN_MACHINE = defineStateMachine({
  noun: 'reconciliation run',
  codePrefix: 'reconciliation-run',
  states: RUN_STATUSES,
  events: RUN_EVENTS,
  transitions: [
    { event: 'start', actors: ['system'], from: ['queued'], to: ['running'], reasonFrom: [] },
    { event: 'complete', actors: ['system'], from: ['running'], to: ['completed'], reasonFrom: [] },
    {
      event: 'fail',
      actors: ['system'],
      from: ['running'],
      to: ['failed'],
      reasonFrom: ['system'],
    },
    {
      event: 'abandon',
      actors: ['system'],
      from: ['running'],
      to: ['failed'],
      reasonFrom: ['system'],
    },
  ] satisfies TransitionRule<RunStatus, RunEvent, RunActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { start: 'started', complete: 'completed', fail: 'failed', abandon: 'abandoned' },
});
