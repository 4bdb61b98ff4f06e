import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

/**
 * The shape every staff alert shares (payment alerts here, fraud alerts in `src/fraud`): open (nobody
 * took it) → acknowledged (an owner) → resolved. The tables have no status column: the state is
 * read from `resolved_at` and `owner_id` (`alertState`, `ALERT_STATE_SQL`). Staff take an alert
 * (again: it changes hands) and resolve it with a note; the platform (an alert scan) resolves it
 * when its condition is gone. Each object declares its machine with `alertMachine` (its noun and code
 * prefix) and writes its own `<object>_history` rows through the common `transition()`.
 */
export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_EVENTS = ['assign', 'resolve'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export type AlertActor = 'staff' | 'system';

const UNRESOLVED = ['open', 'acknowledged'] as const;

export const ALERT_TRANSITIONS: readonly TransitionRule<AlertState, AlertEvent, AlertActor>[] = [
  { event: 'assign', actors: ['staff'], from: UNRESOLVED, to: ['acknowledged'], reasonFrom: [] },
  {
    event: 'resolve',
    actors: ['staff'],
    from: UNRESOLVED,
    to: ['resolved'],
    reasonFrom: ['staff'],
  },
  { event: 'resolve', actors: ['system'], from: UNRESOLVED, to: ['resolved'], reasonFrom: [] },
];

/** One alert object's machine: the shared table under its own noun and problem-code prefix. */
export function alertMachine<P extends string>(noun: string, codePrefix: P) {
  return defineStateMachine({
    noun,
    codePrefix,
    states: ALERT_STATES,
    events: ALERT_EVENTS,
    transitions: ALERT_TRANSITIONS,
    key: (s) => s,
    describe: (s) => s,
    past: { assign: 'assigned', resolve: 'resolved' },
    by: { staff: ' by staff', system: ' automatically' },
  });
}

/** The state of an alert row. */
export function alertState(row: { resolved_at: Date | null; owner_id: string | null }): AlertState {
  if (row.resolved_at !== null) return 'resolved';
  return row.owner_id !== null ? 'acknowledged' : 'open';
}

/** The same in SQL, over the alert table's columns (for the conditional update). */
export const ALERT_STATE_SQL = `CASE WHEN resolved_at IS NOT NULL THEN 'resolved'
  WHEN owner_id IS NOT NULL THEN 'acknowledged' ELSE 'open' END`;
