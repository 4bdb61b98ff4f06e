/**
 * A payee's Route linked account as a declared transition table (`ROUTE_ACCOUNT_MACHINE`, validated
 * by the common state-machine helper): the steps Razorpay Route needs before a linked account can
 * receive transfers, each recorded once the gateway answered.
 *
 *   pending ─create_account─▶ account_created ─add_stakeholder─▶ stakeholder_created
 *     ─request_product─▶ product_requested ─configure_product─▶ product_configured
 *     ─follow_activation─▶ activated (transfers go to it) | needs_clarification
 *   configure_product may answer activated or needs_clarification at once; Razorpay's activation
 *   webhooks `activate` any step after the account exists. fail: a refusal or exhausted retries.
 *   Staff `retry` a failed or needs-clarification account at the step it stopped, and so does the
 *   approval of new settlement details (system); newly approved details `reconfigure` a configured or
 *   activated account (its product is configured
 *   again, transfers wait meanwhile); `forget`: the gateway no longer knows the account.
 */
import { defineStateMachine } from '../../common/state-machine.js';

export const ROUTE_ACCOUNT_STATUSES = [
  'pending',
  'account_created',
  'stakeholder_created',
  'product_requested',
  'product_configured',
  'activated',
  'needs_clarification',
  'failed',
] as const;
export type RouteAccountStatus = (typeof ROUTE_ACCOUNT_STATUSES)[number];

export const ROUTE_ACCOUNT_EVENTS = [
  'create_account',
  'add_stakeholder',
  'request_product',
  'configure_product',
  'follow_activation',
  'activate',
  'fail',
  'retry',
  'reconfigure',
  'forget',
] as const;
export type RouteAccountEvent = (typeof ROUTE_ACCOUNT_EVENTS)[number];

/** system: the onboarding job; gateway: Razorpay's activation webhook; staff: a retry. */
export type RouteAccountActor = 'system' | 'gateway' | 'staff';

/** The steps a resumed onboarding may restart at (chosen by what the row already holds). */
const RESUMABLE = [
  'pending',
  'account_created',
  'stakeholder_created',
  'product_requested',
] as const;
const IN_PROGRESS = [
  'pending',
  'account_created',
  'stakeholder_created',
  'product_requested',
  'product_configured',
  'needs_clarification',
] as const;

export const ROUTE_ACCOUNT_MACHINE = defineStateMachine({
  noun: 'Route account',
  codePrefix: 'route-account',
  states: ROUTE_ACCOUNT_STATUSES,
  events: ROUTE_ACCOUNT_EVENTS,
  key: (s: RouteAccountStatus) => s,
  describe: (s: RouteAccountStatus) => s.replace(/_/g, ' '),
  past: {
    create_account: 'created at the gateway',
    add_stakeholder: 'given a stakeholder',
    request_product: 'given a Route product',
    configure_product: 'configured',
    follow_activation: 'followed',
    activate: 'activated',
    fail: 'failed',
    retry: 'retried',
    reconfigure: 'configured again',
    forget: 'forgotten',
  },
  transitions: [
    {
      event: 'create_account',
      actors: ['system'],
      from: ['pending'],
      to: ['account_created'],
      reasonFrom: [],
    },
    {
      event: 'add_stakeholder',
      actors: ['system'],
      from: ['account_created'],
      to: ['stakeholder_created'],
      reasonFrom: [],
    },
    {
      event: 'request_product',
      actors: ['system'],
      from: ['stakeholder_created'],
      to: ['product_requested'],
      reasonFrom: [],
    },
    {
      event: 'configure_product',
      actors: ['system'],
      from: ['product_requested'],
      to: ['product_configured', 'activated', 'needs_clarification'],
      reasonFrom: [],
    },
    {
      event: 'follow_activation',
      actors: ['system'],
      from: ['product_configured'],
      to: ['activated', 'needs_clarification'],
      reasonFrom: [],
    },
    {
      event: 'activate',
      actors: ['gateway'],
      from: [
        'account_created',
        'stakeholder_created',
        'product_requested',
        'product_configured',
        'needs_clarification',
        'failed',
      ],
      to: ['activated'],
      reasonFrom: [],
    },
    {
      event: 'fail',
      actors: ['system'],
      from: IN_PROGRESS,
      to: ['failed'],
      reasonFrom: ['system'],
    },
    {
      event: 'retry',
      actors: ['staff'],
      from: ['failed', 'needs_clarification', 'pending'],
      to: RESUMABLE,
      reasonFrom: ['staff'],
    },
    {
      event: 'retry',
      actors: ['system'],
      from: ['failed', 'needs_clarification'],
      to: RESUMABLE,
      reasonFrom: [],
    },
    {
      event: 'reconfigure',
      actors: ['system'],
      from: ['product_configured', 'activated'],
      to: ['product_requested', 'stakeholder_created', 'account_created'],
      reasonFrom: [],
    },
    {
      event: 'forget',
      actors: ['system'],
      from: [
        'account_created',
        'stakeholder_created',
        'product_requested',
        'product_configured',
        'activated',
        'needs_clarification',
        'failed',
      ],
      to: ['pending'],
      reasonFrom: [],
    },
  ],
});

/**
 * Where an onboarding resumes, from what it already has at the gateway: the first step whose result
 * is missing (a product already requested is configured again).
 */
export function resumeStep(row: {
  gateway_account_id: string | null;
  stakeholder_id: string | null;
  product_id: string | null;
}): (typeof RESUMABLE)[number] {
  if (row.gateway_account_id === null) return 'pending';
  if (row.stakeholder_id === null) return 'account_created';
  if (row.product_id === null) return 'stakeholder_created';
  return 'product_requested';
}

/** What Razorpay's product `activation_status` means for the account. */
export function afterProductStatus(
  activationStatus: string,
): 'activated' | 'needs_clarification' | 'product_configured' {
  if (activationStatus === 'activated') return 'activated';
  if (activationStatus === 'needs_clarification') return 'needs_clarification';
  return 'product_configured';
}
