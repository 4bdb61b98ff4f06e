import { describe, expect, it } from '@jest/globals';
import { listingActions, type Listing } from './listing-actions';

const listing = (over: Partial<Listing>): Listing => ({
  category: 'display',
  condition: 'new',
  mrpPaise: 250_000,
  b2cPricePaise: 199_900,
  b2bPricePaise: 180_000,
  b2bMinQty: 5,
  status: 'active',
  pausedBy: null,
  id: 'l-1',
  dealerId: 'd-1',
  sku: 'SKU-1',
  name: 'Galaxy A54 display',
  brand: 'Samsung',
  compatibleModels: ['Galaxy A54'],
  hsnCode: '85177990',
  gstRateBps: 1800,
  description: 'Original display assembly',
  tiers: [],
  stockOnHand: 10,
  stockReserved: 0,
  stockAvailable: 10,
  statusReason: null,
  pendingPrice: null,
  duplicateOf: null,
  version: 1,
  createdAt: '2026-12-06T06:30:00.000Z',
  updatedAt: '2026-12-06T06:30:00.000Z',
  ...over,
});

const held = {
  mrpPaise: 250_000,
  b2cPricePaise: 99_900,
  b2bPricePaise: 90_000,
  b2bMinQty: 5,
  requestedAt: '2026-12-06T07:00:00.000Z',
  tiers: [],
};

describe('listingActions', () => {
  it('decides a first listing in review, a held price, and pauses, reinstates or removes by state', () => {
    expect(listingActions('admin', listing({ status: 'in_review' }))).toEqual([
      'approve',
      'reject',
      'remove',
    ]);
    expect(listingActions('admin', listing({ pendingPrice: held }))).toEqual([
      'price-approve',
      'price-reject',
      'pause',
      'remove',
    ]);
    // A dealer's own pause may be turned into a moderator's; only a moderator's is reinstated.
    expect(listingActions('ops_leader', listing({ status: 'paused', pausedBy: 'dealer' }))).toEqual(
      ['pause', 'remove'],
    );
    expect(listingActions('ops_leader', listing({ status: 'paused', pausedBy: 'admin' }))).toEqual([
      'reinstate',
      'remove',
    ]);
    expect(listingActions('admin', listing({ status: 'removed' }))).toEqual([]);
  });

  it('offers nothing to roles the API keeps out of moderation', () => {
    for (const role of ['finance', 'compliance', 'cfo'] as const)
      expect(listingActions(role, listing({ status: 'in_review', pendingPrice: held }))).toEqual(
        [],
      );
  });
});
