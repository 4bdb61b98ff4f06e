import { describe, expect, it } from '@jest/globals';
import { renderToStaticMarkup } from 'react-dom/server';
import type { StaffRole } from '../../lib/access';
import { OrderView, subOrderActions, type Order, type SubOrder } from './order-view';

const line = {
  mrpPaise: 150_000,
  unitPricePaise: 100_000,
  lineTotalPaise: 236_000,
  deliverySharePaise: 0,
  taxableValuePaise: 200_000,
  cgstPaise: 18_000,
  sgstPaise: 18_000,
  igstPaise: 0,
  status: 'active',
  lineNo: 1,
  listingId: 'l-1',
  sku: 'BAT-1',
  name: 'Battery',
  brand: 'Acme',
  condition: 'new',
  hsnCode: '8507',
  gstRateBps: 1800,
  quantity: 2,
  cancelledAt: null,
} satisfies SubOrder['lines'][number];

function subOrder(id: string, status: SubOrder['status']): SubOrder {
  return {
    status,
    supply: 'intra_state',
    itemsPaise: 236_000,
    deliveryPaise: 0,
    totalPaise: 236_000,
    taxPaise: 36_000,
    cancelledBy: null,
    refundedPaise: 0,
    id,
    orderId: 'o-1',
    dealerId: 'd-1',
    dealerName: 'Mehta Mobiles',
    dealerGstin: '27AAAAA0000A1Z5',
    carrier: null,
    trackingNumber: null,
    cancelReason: null,
    shippedAt: null,
    deliveredAt: null,
    returnWindowEndsAt: null,
    createdAt: '2026-12-06T06:30:00.000Z',
    updatedAt: '2026-12-06T06:30:00.000Z',
    lines: [line],
    history: [
      {
        event: 'pay',
        fromStatus: 'awaiting_payment',
        toStatus: 'paid',
        actor: 'payment',
        reason: null,
        at: '2026-12-06T06:31:00.000Z',
      },
    ],
  };
}

const order: Order = {
  channel: 'b2c',
  itemsPaise: 472_000,
  deliveryPaise: 0,
  totalPaise: 472_000,
  payablePaise: 1_234_567_890,
  minimumOrderPaise: 0,
  paymentStatus: 'paid',
  refundedPaise: 0,
  id: 'o-1',
  buyerId: 'u-1',
  buyerGstin: null,
  buyerBusinessName: null,
  shippingAddress: {
    name: 'Asha',
    phone: '+919800000000',
    line1: '1 MG Road',
    city: 'Pune',
    state: 'Maharashtra',
    pincode: '411001',
  },
  reservationExpiresAt: '2026-12-06T06:45:00.000Z',
  paidAt: '2026-12-06T06:31:00.000Z',
  createdAt: '2026-12-06T06:30:00.000Z',
  subOrders: [subOrder('s-paid', 'paid'), subOrder('s-shipped', 'shipped')],
};

const render = (role: StaffRole) =>
  renderToStaticMarkup(<OrderView order={order} role={role} onAction={() => {}} />)
    .replace(/<style[^>]*>.*?<\/style>/gs, '')
    .replace(/<[^>]+>/g, ' ');

describe('OrderView', () => {
  it('shows money in rupees, IST times, each sub-order with its lines and timeline', () => {
    const text = render('admin');
    expect(text).toContain('₹1,23,45,678.90');
    expect(text).toContain('₹2,360.00');
    expect(text).toContain('₹360.00'); // the line's GST (CGST + SGST)
    expect(text).toContain('06 Dec 2026, 12:01:00 IST');
    expect(text).toContain('awaiting_payment → paid');
    expect(text.match(/BAT-1/g)).toHaveLength(2);
  });

  it('offers cancel before shipping and delivery confirmation once shipped, to roles the API admits', () => {
    const admin = render('admin');
    expect(admin.match(/Cancel sub-order/g)).toHaveLength(1);
    expect(admin.match(/Confirm delivery/g)).toHaveLength(1);
    for (const role of ['finance', 'compliance', 'cfo'] as const) {
      expect(render(role)).not.toMatch(/Cancel sub-order|Confirm delivery/);
    }
    expect(subOrderActions('ops_leader', 'packed').map((a) => a.action)).toEqual(['cancel']);
    expect(subOrderActions('ops_leader', 'delivered')).toEqual([]);
  });
});
