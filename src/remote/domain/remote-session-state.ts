/**
 * A remote session's state machine (`REMOTE_SESSION_MACHINE`, the common state-machine helper).
 *
 *   requested ─approve (customer)─▶ approved ─issue_tokens (customer or technician: the first join
 *   token)─▶ tokens_issued ─pair (relay: both agents joined)─▶ connected ─open (relay: the first
 *   tunneled connection)─▶ active
 *   any live state ─end─▶ ended, with its reason:
 *     customer: ended_by_customer (declined while requested)      technician: ended_by_technician
 *     staff (reason required): admin_kill                         relay (once tokens exist): its report
 *     system (reason required): consent_revoked, job_closed, hard_stop, expired_unjoined
 *
 * `ended` is final. Live = every state but `ended`.
 */
import { defineStateMachine } from '../../common/state-machine.js';

export const REMOTE_SESSION_STATUSES = [
  'requested',
  'approved',
  'tokens_issued',
  'connected',
  'active',
  'ended',
] as const;
export type RemoteSessionStatus = (typeof REMOTE_SESSION_STATUSES)[number];
export const REMOTE_SESSION_EVENTS = ['approve', 'issue_tokens', 'pair', 'open', 'end'] as const;
export type RemoteSessionEvent = (typeof REMOTE_SESSION_EVENTS)[number];
export const REMOTE_SESSION_ACTORS = [
  'customer',
  'technician',
  'staff',
  'relay',
  'system',
] as const;
export type RemoteSessionActor = (typeof REMOTE_SESSION_ACTORS)[number];

export const LIVE_STATUSES = [
  'requested',
  'approved',
  'tokens_issued',
  'connected',
  'active',
] as const satisfies readonly RemoteSessionStatus[];

/** The states in which join tokens may exist (the relay knows the session). */
export const JOINABLE_STATUSES = [
  'tokens_issued',
  'connected',
  'active',
] as const satisfies readonly RemoteSessionStatus[];

/** Why a session ended (the relay may report others: `agent_timeout`, `relay_shutdown`, …). */
export const END_REASONS = [
  'ended_by_customer',
  'ended_by_technician',
  'consent_revoked',
  'hard_stop',
  'job_closed',
  'admin_kill',
  'expired_unjoined',
] as const;

export const REMOTE_SESSION_MACHINE = defineStateMachine<
  RemoteSessionStatus,
  RemoteSessionEvent,
  RemoteSessionActor,
  'remote-session'
>({
  noun: 'remote session',
  codePrefix: 'remote-session',
  states: REMOTE_SESSION_STATUSES,
  events: REMOTE_SESSION_EVENTS,
  transitions: [
    {
      event: 'approve',
      actors: ['customer'],
      from: ['requested'],
      to: ['approved'],
      reasonFrom: [],
    },
    {
      event: 'issue_tokens',
      actors: ['customer', 'technician'],
      from: ['approved'],
      to: ['tokens_issued'],
      reasonFrom: [],
    },
    {
      event: 'pair',
      actors: ['relay'],
      from: ['tokens_issued'],
      to: ['connected'],
      reasonFrom: [],
    },
    { event: 'open', actors: ['relay'], from: ['connected'], to: ['active'], reasonFrom: [] },
    {
      event: 'end',
      actors: ['customer', 'technician'],
      from: LIVE_STATUSES,
      to: ['ended'],
      reasonFrom: [],
    },
    {
      event: 'end',
      actors: ['staff', 'system'],
      from: LIVE_STATUSES,
      to: ['ended'],
      reasonFrom: ['staff', 'system'],
    },
    {
      event: 'end',
      actors: ['relay'],
      from: JOINABLE_STATUSES,
      to: ['ended'],
      reasonFrom: ['relay'],
    },
  ],
  key: (s) => s,
  describe: (s) => s.replace('_', ' '),
  past: {
    approve: 'approved',
    issue_tokens: 'given join tokens',
    pair: 'paired',
    open: 'opened',
    end: 'ended',
  },
  by: { customer: ' by the customer', technician: ' by the technician', relay: ' by the relay' },
});

export const isLive = (status: RemoteSessionStatus): boolean => status !== 'ended';
