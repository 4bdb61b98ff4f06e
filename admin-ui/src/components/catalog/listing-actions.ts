import type { components } from '../../api/schema';
import { can, type ApiRoute, type StaffRole } from '../../lib/access';

export type Listing = components['schemas']['ListingDto'];

/** A moderator's action on a listing; `approve`/`reject` decide a first listing, `price-*` a held price. */
export type ListingAction =
  'approve' | 'reject' | 'price-approve' | 'price-reject' | 'pause' | 'reinstate' | 'remove';

export const LISTING_ACTIONS: Record<
  ListingAction,
  { label: string; route: ApiRoute; reasonRequired: boolean; detail: string }
> = {
  approve: {
    label: 'Approve listing',
    route: 'POST /admin/listings/{listingId}/approve',
    reasonRequired: false,
    detail: 'The listing goes live in the catalog.',
  },
  reject: {
    label: 'Reject listing',
    route: 'POST /admin/listings/{listingId}/reject',
    reasonRequired: true,
    detail: 'The dealer is told why and may change it and submit it again.',
  },
  'price-approve': {
    label: 'Approve price',
    route: 'POST /admin/listings/{listingId}/price/approve',
    reasonRequired: false,
    detail: 'The held prices replace the live ones.',
  },
  'price-reject': {
    label: 'Reject price',
    route: 'POST /admin/listings/{listingId}/price/reject',
    reasonRequired: true,
    detail: 'The live prices stay; the dealer is told why.',
  },
  pause: {
    label: 'Pause',
    route: 'POST /admin/listings/{listingId}/pause',
    reasonRequired: true,
    detail: 'The listing leaves the catalog until a moderator reinstates it.',
  },
  reinstate: {
    label: 'Reinstate',
    route: 'POST /admin/listings/{listingId}/reinstate',
    reasonRequired: true,
    detail: 'The listing returns to the catalog.',
  },
  remove: {
    label: 'Remove',
    route: 'POST /admin/listings/{listingId}/remove',
    reasonRequired: true,
    detail: 'The listing is removed for good; the dealer cannot bring it back.',
  },
};

/** The moderation actions a role may take on a listing in its present state (the API decides finally). */
export function listingActions(role: StaffRole | null, l: Listing): ListingAction[] {
  const actions: ListingAction[] = [];
  if (l.status === 'in_review') actions.push('approve', 'reject');
  if (l.pendingPrice) actions.push('price-approve', 'price-reject');
  if (l.status === 'active' || (l.status === 'paused' && l.pausedBy === 'dealer'))
    actions.push('pause');
  if (l.status === 'paused' && l.pausedBy === 'admin') actions.push('reinstate');
  if (l.status !== 'removed') actions.push('remove');
  return actions.filter((a) => can(role, LISTING_ACTIONS[a].route));
}
