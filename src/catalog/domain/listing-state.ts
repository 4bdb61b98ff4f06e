/**
 * The listing state machine as a declared transition table (`LISTING_MACHINE`, validated by the
 * common state-machine helper). Every transition the application performs goes through the common
 * `transition()` and writes a `listing_status_history` row.
 *
 *   draft ──submit──▶ in_review ──approve──▶ active ◀──resume── paused (by dealer)
 *     │                 │ ▲                   │ ──pause──────▶
 *     └──submit─────────┼─┼─────────────────▶ │
 *                       │ └──flag (near-duplicate edit)── active / paused by dealer
 *                       └──reject──▶ draft
 *   admin: pause (active / paused by dealer → paused by admin), reinstate (paused by admin → active),
 *          remove (any but removed → removed, terminal).
 */

import { decide, defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const LISTING_STATUSES = ['draft', 'in_review', 'active', 'paused', 'removed'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

export type PausedBy = 'dealer' | 'admin';

export const LISTING_EVENTS = [
  'submit',
  'approve',
  'reject',
  'pause',
  'resume',
  'flag',
  'admin_pause',
  'reinstate',
  'remove',
] as const;
export type ListingEvent = (typeof LISTING_EVENTS)[number];

export type Actor = 'dealer' | 'admin';

/** A listing's state as the table reads it: status plus who paused it. */
export interface ListingState {
  status: ListingStatus;
  pausedBy: PausedBy | null;
}

const S = (status: ListingStatus, pausedBy: PausedBy | null = null): ListingState => ({
  status,
  pausedBy,
});

/**
 * A row's `from` states are exact (`pausedBy` narrows a `paused` source to one pauser); submit's
 * targets are review or straight to active (the caller picks); admin moderation needs a reason.
 */
export const LISTING_TRANSITIONS: readonly TransitionRule<ListingState, ListingEvent, Actor>[] = [
  {
    event: 'submit',
    actors: ['dealer'],
    from: [S('draft')],
    to: [S('in_review'), S('active')],
    reasonFrom: [],
  },
  {
    event: 'approve',
    actors: ['admin'],
    from: [S('in_review')],
    to: [S('active')],
    reasonFrom: [],
  },
  {
    event: 'reject',
    actors: ['admin'],
    from: [S('in_review')],
    to: [S('draft')],
    reasonFrom: ['admin'],
  },
  {
    event: 'pause',
    actors: ['dealer'],
    from: [S('active')],
    to: [S('paused', 'dealer')],
    reasonFrom: [],
  },
  {
    event: 'resume',
    actors: ['dealer'],
    from: [S('paused', 'dealer')],
    to: [S('active')],
    reasonFrom: [],
  },
  {
    // An edit of a live listing made it a near-duplicate of another of the dealer's listings.
    event: 'flag',
    actors: ['dealer'],
    from: [S('active'), S('paused', 'dealer')],
    to: [S('in_review')],
    reasonFrom: [],
  },
  {
    event: 'admin_pause',
    actors: ['admin'],
    from: [S('active'), S('paused', 'dealer')],
    to: [S('paused', 'admin')],
    reasonFrom: ['admin'],
  },
  {
    event: 'reinstate',
    actors: ['admin'],
    from: [S('paused', 'admin')],
    to: [S('active')],
    reasonFrom: ['admin'],
  },
  {
    event: 'remove',
    actors: ['admin'],
    from: [S('draft'), S('in_review'), S('active'), S('paused', 'dealer'), S('paused', 'admin')],
    to: [S('removed')],
    reasonFrom: ['admin'],
  },
];

export type TransitionResult =
  | { ok: true; from: ListingState; to: ListingState }
  | { ok: false; code: 'listing/invalid-transition' | 'listing/reason-required'; detail: string };

export const LISTING_MACHINE = defineStateMachine({
  noun: 'listing',
  codePrefix: 'listing',
  states: [
    S('draft'),
    S('in_review'),
    S('active'),
    S('paused', 'dealer'),
    S('paused', 'admin'),
    S('removed'),
  ],
  events: LISTING_EVENTS,
  transitions: LISTING_TRANSITIONS,
  key: (s) => (s.status === 'paused' && s.pausedBy ? `paused_by_${s.pausedBy}` : s.status),
  describe: (s) => (s.status === 'paused' && s.pausedBy ? `paused by ${s.pausedBy}` : s.status),
  past: {
    submit: 'submitted',
    approve: 'approved',
    reject: 'rejected',
    pause: 'paused',
    resume: 'resumed',
    flag: 'sent back to review',
    admin_pause: 'paused',
    reinstate: 'reinstated',
    remove: 'removed',
  },
  by: { admin: ' by an admin' },
});

/**
 * Validates `event` by `actor` from `from` to `to` (default: the event's only target) against the
 * table.
 */
export function transition(
  from: ListingState,
  event: ListingEvent,
  actor: Actor,
  options: { to?: ListingState; reason?: string | null } = {},
): TransitionResult {
  return decide(LISTING_MACHINE, from, event, actor, options);
}

/**
 * Where a submitted draft goes: to review while the dealer has fewer than `reviewFirstListings`
 * listings ever activated, or when it is flagged as a near-duplicate; otherwise straight to active.
 */
export function submitTarget(input: {
  activatedListings: number;
  reviewFirstListings: number;
  duplicate: boolean;
}): ListingState {
  return input.duplicate || input.activatedListings < input.reviewFirstListings
    ? S('in_review')
    : S('active');
}
