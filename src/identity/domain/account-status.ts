import { ACCOUNT_STATUSES, isStaff, type AccountStatus, type Role } from '../../common/roles.js';
import { allows, defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const STATUS_ACTIONS = ['approve', 'suspend', 'block'] as const;
export type StatusAction = (typeof STATUS_ACTIONS)[number];

/** `staff`: what policy allows an admin; `override`: an ops leader's explicit override of policy. */
export type StatusActor = 'staff' | 'override';

export const TARGET_STATUS: Record<StatusAction, AccountStatus> = {
  approve: 'approved',
  suspend: 'suspended',
  block: 'blocked',
};

/** The transitions policy allows an admin (from non-staff accounts); anything else needs an ops leader's override. */
const ALLOWED: Record<StatusAction, readonly AccountStatus[]> = {
  approve: ['pending', 'suspended'],
  suspend: ['approved'],
  block: ['pending', 'approved', 'suspended'],
};

/**
 * The account status machine: every status change goes through the common `transition()`, which
 * writes the `account_status_history` row (the audit event is the service's). Reasons are always given.
 */
export const ACCOUNT_STATUS_MACHINE = defineStateMachine({
  noun: 'account',
  codePrefix: 'account',
  states: ACCOUNT_STATUSES,
  events: STATUS_ACTIONS,
  transitions: STATUS_ACTIONS.flatMap(
    (action): TransitionRule<AccountStatus, StatusAction, StatusActor>[] => [
      {
        event: action,
        actors: ['staff'],
        from: ALLOWED[action],
        to: [TARGET_STATUS[action]],
        reasonFrom: ['staff'],
      },
      {
        event: action,
        actors: ['override'],
        from: ACCOUNT_STATUSES.filter((s) => s !== TARGET_STATUS[action]),
        to: [TARGET_STATUS[action]],
        reasonFrom: ['override'],
      },
    ],
  ),
  key: (s) => s,
  describe: (s) => s,
  past: { approve: 'approved', suspend: 'suspended', block: 'blocked' },
});

export type StatusDecision =
  | { ok: true; to: AccountStatus; override: boolean }
  | { ok: false; reason: 'unchanged' | 'self' | 'forbidden_by_policy' | 'override_not_permitted' };

/**
 * Decides a status change. Policy forbids: leaving `blocked`, suspending a pending account, changing a
 * staff account, and acting on oneself. An ops leader may do what policy forbids (not on oneself) by
 * asking for an override explicitly.
 */
export function decideStatusChange(input: {
  action: StatusAction;
  from: AccountStatus;
  targetRole: Role;
  targetIsActor: boolean;
  actorCanOverride: boolean;
  overrideRequested: boolean;
}): StatusDecision {
  const to = TARGET_STATUS[input.action];
  if (input.targetIsActor) return { ok: false, reason: 'self' };
  if (input.from === to) return { ok: false, reason: 'unchanged' };
  const allowed =
    allows(ACCOUNT_STATUS_MACHINE, input.from, input.action, 'staff') && !isStaff(input.targetRole);
  if (allowed) return { ok: true, to, override: false };
  if (!input.overrideRequested) return { ok: false, reason: 'forbidden_by_policy' };
  if (!input.actorCanOverride) return { ok: false, reason: 'override_not_permitted' };
  return { ok: true, to, override: true };
}
