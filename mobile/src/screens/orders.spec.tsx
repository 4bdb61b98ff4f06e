import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen } from '@testing-library/react-native';
import type { Schemas } from '../api/client';
import { order } from '../testing/fixtures';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import OrderDetail from './OrderDetail';

jest.mock('expo-router', () => ({
  useRouter: () => ({ push: jest.fn(), replace: jest.fn() }),
  useLocalSearchParams: () => ({ id: 'o-1' }),
}));

const line = (over: Partial<Schemas['OrderLineDto']>): Schemas['OrderLineDto'] => ({
  lineNo: 1,
  listingId: 'l-1',
  sku: 'IP13-DSP',
  name: 'iPhone 13 display',
  brand: 'Apple',
  condition: 'new',
  hsnCode: '85177900',
  gstRateBps: 1800,
  quantity: 1,
  status: 'active',
  cancelledAt: null,
  mrpPaise: 1450000,
  unitPricePaise: 1180000,
  lineTotalPaise: 1180000,
  deliverySharePaise: 0,
  taxableValuePaise: 1000000,
  cgstPaise: 90000,
  sgstPaise: 90000,
  igstPaise: 0,
  ...over,
});

describe('an order’s tax invoice data', () => {
  it('shows a business buyer the dealer’s GSTIN, the supply, and each line’s HSN, taxable value and GST', async () => {
    const b2b = order({
      supply: 'intra_state',
      taxPaise: 180000,
      lines: [line({})],
      returnWindowEndsAt: null,
    });
    fakeApi({
      ...signedInAs({ role: 'business', gstin: '27AAACR5055K1Z7', businessName: 'Rao Mobiles' }),
      'GET /orders/o-1': {
        body: { ...b2b, channel: 'b2b', buyerGstin: '27AAACR5055K1Z7' },
      },
      'GET /disputes': { body: { items: [], nextCursor: null } },
    });
    await renderScreen(<OrderDetail />);
    expect(await screen.findByText('Billed to GSTIN 27AAACR5055K1Z7')).toBeOnTheScreen();
    expect(screen.getByTestId('gst-details')).toHaveTextContent(
      'Tax invoice from GSTIN 29ABCDE1234F1Z5 · intra-state supply' +
        'HSN 85177900 · taxable ₹10,000.00 at 18 % · CGST ₹900.00 + SGST ₹900.00' +
        'GST in total: ₹1,800.00',
    );
  });

  it('shows IGST on an inter-state supply', async () => {
    fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /orders/o-1': {
        body: order({
          supply: 'inter_state',
          taxPaise: 180000,
          lines: [line({ cgstPaise: 0, sgstPaise: 0, igstPaise: 180000 })],
        }),
      },
      'GET /disputes': { body: { items: [], nextCursor: null } },
    });
    await renderScreen(<OrderDetail />);
    expect(await screen.findByTestId('gst-details')).toHaveTextContent(
      'inter-state supplyHSN 85177900 · taxable ₹10,000.00 at 18 % · IGST ₹1,800.00',
      { exact: false },
    );
  });
});

describe('a shipped part', () => {
  it('is confirmed received by the buyer: delivered, with its return window', async () => {
    const shipped = order({ status: 'shipped', deliveredAt: null });
    const delivered = order({
      returnWindowEndsAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const calls = fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /orders/o-1': { body: shipped },
      'GET /disputes': { body: { items: [], nextCursor: null } },
      'POST /orders/o-1/sub-orders/s-1/confirm-delivery': { body: delivered },
    });
    await renderScreen(<OrderDetail />);
    await fireEvent.press(await screen.findByRole('button', { name: 'I received it' }));
    expect(await screen.findByRole('button', { name: 'Return it' })).toBeOnTheScreen();
    expect(screen.getByTestId('sub-order-status')).toHaveTextContent('Delivered');
    expect(screen.queryByRole('button', { name: 'I received it' })).toBeNull();
    expect(calls.some((c) => c.path === '/orders/o-1/sub-orders/s-1/confirm-delivery')).toBe(true);
  });
});
