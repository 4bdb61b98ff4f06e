/**
 * When a review of a completed repair job may be written, edited and seen (pure; times come from the
 * database clock). Both parties of a job write within the same window; neither review is shown to
 * anyone but its author until both are in or the window has closed (blind reveal).
 */

/** Reviews are written within this long of the job's completion. */
export const REVIEW_WINDOW_DAYS = 14;
/** An author may edit a review this long after submitting it (and not once it is revealed). */
export const REVIEW_EDIT_HOURS = 48;
/** Anti-abuse: an account younger than this is new. */
export const NEW_ACCOUNT_DAYS = 7;
/** Anti-abuse: this many reviews of one technician by new accounts within BURST_WINDOW_HOURS flag a burst. */
export const BURST_REVIEWS = 3;
export const BURST_WINDOW_HOURS = 24;
/** Anti-abuse: the technician's sessions used within this many days are its recent devices and IPs. */
export const OWN_SESSION_DAYS = 30;

export const REVIEW_TEXT_MAX = 2000;

/** `of_technician`: the customer's review of the technician; `of_customer`: the technician's of the customer. */
export const REVIEW_DIRECTIONS = ['of_technician', 'of_customer'] as const;
export type ReviewDirection = (typeof REVIEW_DIRECTIONS)[number];

export const REVIEW_FLAGS = ['burst', 'technician_device', 'technician_ip'] as const;
export type ReviewFlag = (typeof REVIEW_FLAGS)[number];

const HOUR_MS = 3_600_000;

export function reviewWindowClosesAt(completedAt: Date): Date {
  return new Date(completedAt.getTime() + REVIEW_WINDOW_DAYS * 24 * HOUR_MS);
}

export function editableUntil(submittedAt: Date): Date {
  return new Date(submittedAt.getTime() + REVIEW_EDIT_HOURS * HOUR_MS);
}

/** Shown to others: both of the job's reviews are in, or the window has closed. */
export function isRevealed(now: Date, windowClosesAt: Date, bothIn: boolean): boolean {
  return bothIn || now.getTime() >= windowClosesAt.getTime();
}

export type EditRefusal = 'edit_window_closed' | 'revealed' | null;

/** Why an author may not edit (null: they may). */
export function editRefusal(
  now: Date,
  review: { submittedAt: Date; windowClosesAt: Date; bothIn: boolean },
): EditRefusal {
  if (now.getTime() >= editableUntil(review.submittedAt).getTime()) return 'edit_window_closed';
  if (isRevealed(now, review.windowClosesAt, review.bothIn)) return 'revealed';
  return null;
}

/** The anti-abuse flags of a customer's review of a technician (flags never block). */
export function reviewFlags(signals: {
  /** Reviews of the technician by new accounts within the burst window, this one included. */
  recentNewAccountReviews: number;
  sameDeviceAsTechnician: boolean;
  sameIpAsTechnician: boolean;
}): ReviewFlag[] {
  const flags: ReviewFlag[] = [];
  if (signals.recentNewAccountReviews >= BURST_REVIEWS) flags.push('burst');
  if (signals.sameDeviceAsTechnician) flags.push('technician_device');
  if (signals.sameIpAsTechnician) flags.push('technician_ip');
  return flags;
}
