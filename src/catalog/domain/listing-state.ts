/**
 * The listing state machine as a declared transition table, validated by one helper (`transition`).
 * Every transition the application performs goes through it and writes a `listing_status_history` row.
 *
 *   draft ──submit──▶ in_review ──approve──▶ active ◀──resume── paused (by dealer)
 *     │                 │ ▲                   │ ──pause──────▶
 *     └──submit─────────┼─┼─────────────────▶ │
 *                       │ └──flag (near-duplicate edit)── active / paused by dealer
 *                       └──reject──▶ draft
 *   admin: pause (active / paused by dealer → paused by admin), reinstate (paused by admin → active),
 *          remove (any but removed → removed, terminal).
 */

export const LISTING_STATUSES = ['draft', 'in_review', 'active', 'paused', 'removed'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

export type PausedBy = 'dealer' | 'admin';

export type ListingEvent =
  | 'submit'
  | 'approve'
  | 'reject'
  | 'pause'
  | 'resume'
  | 'flag'
  | 'admin_pause'
  | 'reinstate'
  | 'remove';

export type Actor = 'dealer' | 'admin';

/** A listing's state as the table reads it: status plus who paused it. */
export interface ListingState {
  status: ListingStatus;
  pausedBy: PausedBy | null;
}

interface Transition {
  event: ListingEvent;
  actor: Actor;
  /** The state(s) it leaves. `pausedBy` narrows a `paused` source to one pauser. */
  from: readonly ListingState[];
  /** Possible targets; the caller picks one (submit: review or straight to active). */
  to: readonly ListingState[];
  /** The transition needs a reason (admin moderation). */
  reasonRequired: boolean;
}

const S = (status: ListingStatus, pausedBy: PausedBy | null = null): ListingState => ({
  status,
  pausedBy,
});

export const LISTING_TRANSITIONS: readonly Transition[] = [
  {
    event: 'submit',
    actor: 'dealer',
    from: [S('draft')],
    to: [S('in_review'), S('active')],
    reasonRequired: false,
  },
  {
    event: 'approve',
    actor: 'admin',
    from: [S('in_review')],
    to: [S('active')],
    reasonRequired: false,
  },
  {
    event: 'reject',
    actor: 'admin',
    from: [S('in_review')],
    to: [S('draft')],
    reasonRequired: true,
  },
  {
    event: 'pause',
    actor: 'dealer',
    from: [S('active')],
    to: [S('paused', 'dealer')],
    reasonRequired: false,
  },
  {
    event: 'resume',
    actor: 'dealer',
    from: [S('paused', 'dealer')],
    to: [S('active')],
    reasonRequired: false,
  },
  {
    // An edit of a live listing made it a near-duplicate of another of the dealer's listings.
    event: 'flag',
    actor: 'dealer',
    from: [S('active'), S('paused', 'dealer')],
    to: [S('in_review')],
    reasonRequired: false,
  },
  {
    event: 'admin_pause',
    actor: 'admin',
    from: [S('active'), S('paused', 'dealer')],
    to: [S('paused', 'admin')],
    reasonRequired: true,
  },
  {
    event: 'reinstate',
    actor: 'admin',
    from: [S('paused', 'admin')],
    to: [S('active')],
    reasonRequired: true,
  },
  {
    event: 'remove',
    actor: 'admin',
    from: [S('draft'), S('in_review'), S('active'), S('paused', 'dealer'), S('paused', 'admin')],
    to: [S('removed')],
    reasonRequired: true,
  },
];

const same = (a: ListingState, b: ListingState) =>
  a.status === b.status && a.pausedBy === b.pausedBy;

export type TransitionResult =
  | { ok: true; from: ListingState; to: ListingState }
  | { ok: false; code: 'listing/invalid-transition' | 'listing/reason-required'; detail: string };

const describe = (s: ListingState) =>
  s.status === 'paused' && s.pausedBy ? `paused by ${s.pausedBy}` : s.status;

/**
 * Validates `event` by `actor` from `from` to `to` (default: the event's only target) against the
 * table. The one gate of every status change.
 */
export function transition(
  from: ListingState,
  event: ListingEvent,
  actor: Actor,
  options: { to?: ListingState; reason?: string | null } = {},
): TransitionResult {
  const t = LISTING_TRANSITIONS.find((x) => x.event === event && x.actor === actor);
  if (t === undefined || !t.from.some((s) => same(s, from)))
    return {
      ok: false,
      code: 'listing/invalid-transition',
      detail: `A listing that is ${describe(from)} cannot be ${PAST[event]}${actor === 'admin' ? ' by an admin' : ''}`,
    };
  const to = options.to ?? t.to[0]!;
  if (!t.to.some((s) => same(s, to)))
    return {
      ok: false,
      code: 'listing/invalid-transition',
      detail: `${event} cannot lead to ${describe(to)}`,
    };
  if (t.reasonRequired && !options.reason?.trim())
    return { ok: false, code: 'listing/reason-required', detail: `${event} needs a reason` };
  return { ok: true, from, to };
}

const PAST: Record<ListingEvent, string> = {
  submit: 'submitted',
  approve: 'approved',
  reject: 'rejected',
  pause: 'paused',
  resume: 'resumed',
  flag: 'sent back to review',
  admin_pause: 'paused',
  reinstate: 'reinstated',
  remove: 'removed',
};

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
