import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen, within } from '@testing-library/react-native';
import { dealerListing, dealerSubOrder } from '../testing/fixtures';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import { ListingForm } from './DealerListing';
import DealerListings from './DealerListings';
import DealerEscrow from './DealerEscrow';
import DealerOrders from './DealerOrders';

const dealer = signedInAs({
  role: 'dealer',
  gstin: '29ABCDE1234F1Z5',
  businessName: 'Lamington Spares',
});

describe('dealer: listings', () => {
  it('shows prices, stock and each review state explained', async () => {
    fakeApi({
      ...dealer,
      'GET /dealer/listings': {
        body: {
          items: [
            dealerListing({ id: 'a', name: 'Live part' }),
            dealerListing({ id: 'b', name: 'First part', status: 'in_review' }),
            dealerListing({
              id: 'c',
              name: 'Paused part',
              status: 'paused',
              pausedBy: 'admin',
              statusReason: 'Photos show another model',
            }),
            dealerListing({
              id: 'd',
              name: 'Repriced part',
              pendingPrice: {
                mrpPaise: 150000,
                b2cPricePaise: 149000,
                b2bPricePaise: 140000,
                b2bMinQty: null,
                requestedAt: '2026-12-06T10:00:00.000Z',
                tiers: [],
              },
            }),
          ],
        },
      },
    });
    await renderScreen(<DealerListings />);
    const cards = await screen.findAllByTestId('dealer-listing');
    expect(cards).toHaveLength(4);
    const [live, review, paused, repriced] = cards.map((card) => within(card));
    expect(live!.getByText('MRP ₹1,500.00 · B2C ₹1,200.00 · B2B ₹1,000.00')).toBeOnTheScreen();
    expect(live!.getByText('20 on hand · 2 reserved · 18 available')).toBeOnTheScreen();
    expect(live!.getByText('Buyers can find and order it.')).toBeOnTheScreen();
    expect(review!.getByTestId('listing-status')).toHaveTextContent('In review');
    expect(review!.getByText(/checks a dealer’s first listings/)).toBeOnTheScreen();
    expect(paused!.getByText('FixBazaar paused it. See the reason below.')).toBeOnTheScreen();
    expect(paused!.getByText('Reason: Photos show another model')).toBeOnTheScreen();
    expect(repriced!.getByTestId('held-price')).toHaveTextContent(
      'Held for review: MRP ₹1,500.00, B2C ₹1,490.00, B2B ₹1,400.00. Buyers see the old prices until FixBazaar approves.',
    );
  });
});

describe('dealer: a listing', () => {
  it('changes prices typed in rupees as paise; a jump is held for review and says so', async () => {
    const listing = dealerListing();
    const calls = fakeApi({
      ...dealer,
      'POST /dealer/listings/dl-1/price': ({ body }) => ({
        body: {
          outcome: 'held',
          jumps: [{ price: 'b2cPricePaise', baselinePaise: 120000, proposedPaise: 149050 }],
          listing: {
            ...listing,
            pendingPrice: {
              ...(body as object),
              b2bMinQty: null,
              requestedAt: '2026-12-07T10:00:00.000Z',
              tiers: [],
            },
          },
        },
      }),
    });
    await renderScreen(<ListingForm listing={listing} />);
    expect(screen.getByLabelText('Retail price B2C (₹)').props.value).toBe('1200.00');
    await fireEvent.changeText(screen.getByLabelText('Retail price B2C (₹)'), '1,490.5');
    await fireEvent.press(screen.getByRole('button', { name: 'Change prices' }));
    expect(
      await screen.findByText(
        'Price change held for review: it jumps too far from the listing’s usual price.',
      ),
    ).toBeOnTheScreen();
    expect(calls.find((c) => c.path === '/dealer/listings/dl-1/price')?.body).toEqual({
      mrpPaise: 150000,
      b2cPricePaise: 149050,
      b2bPricePaise: 100000,
    });
  });
});

describe('dealer: sub-orders', () => {
  it('accepts a paid sub-order, packs it, and ships it with carrier and tracking', async () => {
    let sub = dealerSubOrder({ lines: [] });
    const step =
      (status: typeof sub.status, extra: Partial<typeof sub> = {}) =>
      () => {
        sub = { ...sub, status, ...extra };
        return { body: sub };
      };
    const calls = fakeApi({
      ...dealer,
      'GET /dealer/orders': () => ({ body: { items: [sub] } }),
      'POST /dealer/orders/s-1/accept': step('accepted'),
      'POST /dealer/orders/s-1/pack': step('packed'),
      'POST /dealer/orders/s-1/ship': ({ body }) => step('shipped', body as Partial<typeof sub>)(),
    });
    await renderScreen(<DealerOrders />);
    expect(await screen.findByText('For Asha Rao')).toBeOnTheScreen();
    expect(screen.getByTestId('dealer-sub-order-status')).toHaveTextContent('Paid');

    await fireEvent.press(screen.getByRole('button', { name: 'Accept' }));
    await screen.findByRole('button', { name: 'Mark packed' });
    expect(screen.getByTestId('dealer-sub-order-status')).toHaveTextContent(
      'Accepted by the dealer',
    );
    await fireEvent.press(screen.getByRole('button', { name: 'Mark packed' }));

    const ship = await screen.findByRole('button', { name: 'Ship' });
    expect(ship).toBeDisabled();
    await fireEvent.changeText(screen.getByLabelText('Carrier'), 'Delhivery');
    await fireEvent.changeText(screen.getByLabelText('Tracking number'), 'DLV123456');
    await fireEvent.press(screen.getByRole('button', { name: 'Ship' }));
    expect(await screen.findByText('Delhivery · DLV123456')).toBeOnTheScreen();
    expect(screen.getByTestId('dealer-sub-order-status')).toHaveTextContent('Shipped');
    expect(calls.filter((c) => c.method === 'POST').map((c) => [c.path, c.body])).toEqual([
      ['/auth/refresh', { refreshToken: 'refresh-token' }],
      ['/dealer/orders/s-1/accept', undefined],
      ['/dealer/orders/s-1/pack', undefined],
      ['/dealer/orders/s-1/ship', { carrier: 'Delhivery', trackingNumber: 'DLV123456' }],
    ]);
  });
});

describe('dealer: escrow and payouts', () => {
  it('shows the statement: totals, each sale’s net after commission, GST, TCS and TDS, then payouts', async () => {
    fakeApi({
      ...dealer,
      'GET /dealer/escrow': {
        body: {
          payableBalancePaise: 51000,
          held: { count: 1, amountPaise: 60000 },
          releasable: { count: 0, amountPaise: 0 },
          released: {
            count: 1,
            grossPaise: 60000,
            commissionPaise: 6000,
            gstOnCommissionPaise: 1080,
            tcsPaise: 508,
            tdsPaise: 51,
            netPaise: 52361,
          },
          refunded: { count: 0, amountPaise: 0 },
          settled: { count: 0, amountPaise: 0 },
          items: [
            {
              state: 'released',
              amountPaise: 60000,
              netPaise: 52361,
              subOrderId: 's-1',
              orderId: 'o-1',
              subOrderStatus: 'completed',
              heldAt: '2026-12-01T00:00:00.000Z',
              releasedAt: '2026-12-05T00:00:00.000Z',
              deductions: {
                commissionPaise: 6000,
                gstOnCommissionPaise: 1080,
                tcsPaise: 508,
                tdsPaise: 51,
              },
            },
          ],
        },
      },
      'GET /dealer/escrow/payouts': { body: { items: [] } },
    });
    await renderScreen(<DealerEscrow />);
    expect(await screen.findByText('Payable balance ₹510.00')).toBeOnTheScreen();
    expect(screen.getByTestId('escrow-totals')).toHaveTextContent(
      'Released: gross ₹600.00 · commission ₹60.00 · GST on it ₹10.80 · TCS ₹5.08 · TDS ₹0.51 · net ₹523.61',
      { exact: false },
    );
    expect(screen.getByTestId('escrow-line')).toHaveTextContent(
      'ReleasedNet ₹523.61 (commission ₹60.00, GST ₹10.80, TCS ₹5.08, TDS ₹0.51)',
      { exact: false },
    );
    expect(await screen.findByText('No payouts yet.')).toBeOnTheScreen();
  });
});
