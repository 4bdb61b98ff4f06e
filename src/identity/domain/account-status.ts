import type { AccountStatus, Role } from '../../common/roles.js';
import { isStaff } from '../../common/roles.js';

export type StatusAction = 'approve' | 'suspend' | 'block';

export const TARGET_STATUS: Record<StatusAction, AccountStatus> = {
  approve: 'approved',
  suspend: 'suspended',
  block: 'blocked',
};

/** The transitions policy allows an admin. Anything else needs an ops leader's override. */
const ALLOWED: Record<StatusAction, readonly AccountStatus[]> = {
  approve: ['pending', 'suspended'],
  suspend: ['approved'],
  block: ['pending', 'approved', 'suspended'],
};

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
  const allowed = ALLOWED[input.action].includes(input.from) && !isStaff(input.targetRole);
  if (allowed) return { ok: true, to, override: false };
  if (!input.overrideRequested) return { ok: false, reason: 'forbidden_by_policy' };
  if (!input.actorCanOverride) return { ok: false, reason: 'override_not_permitted' };
  return { ok: true, to, override: true };
}
