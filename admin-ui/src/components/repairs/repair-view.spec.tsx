import { describe, expect, it } from '@jest/globals';
import { renderToStaticMarkup } from 'react-dom/server';
import { repairActions, RepairView, type RepairJob } from './repair-view';

type Quote = RepairJob['quotes'][number];

const quote = (over: Partial<Quote>): Quote => ({
  lines: [
    {
      kind: 'labour',
      quantity: 1,
      unitPaise: 50_000,
      gstRateBps: 1800,
      taxablePaise: 50_000,
      gstPaise: 9_000,
      description: 'Screen replacement',
    },
  ],
  taxablePaise: 50_000,
  gstPaise: 9_000,
  totalPaise: 59_000,
  status: 'approved',
  id: 'q-1',
  repairJobId: 'r-1',
  technicianId: 't-1',
  note: null,
  supplementary: false,
  decidedAt: '2026-12-06T07:00:00.000Z',
  decisionReason: null,
  paidAt: '2026-12-06T07:05:00.000Z',
  createdAt: '2026-12-06T06:55:00.000Z',
  ...over,
});

const job = (over: Partial<RepairJob>): RepairJob => ({
  kind: 'hardware',
  mode: 'offline',
  status: 'awaiting_assignment',
  amountPaise: null,
  amountDuePaise: 0,
  paidPaise: 0,
  visitFeePaise: null,
  quotes: [],
  openDisputeId: null,
  mediaCount: 0,
  id: 'r-1',
  customerId: 'c-1',
  technicianId: null,
  deviceBrand: 'Samsung',
  deviceModel: 'Galaxy A54',
  problem: 'Cracked screen',
  location: null,
  address: null,
  preferredFrom: null,
  preferredTo: null,
  assignedAt: null,
  paidAt: null,
  doneAt: null,
  confirmedAt: null,
  closedAt: null,
  cancelledAt: null,
  createdAt: '2026-12-06T06:30:00.000Z',
  ...over,
});

describe('repairActions', () => {
  it('offers assignment in the queue, confirmation and a refund at release when done, a refund after release once closed', () => {
    expect(repairActions('admin', job({}))).toEqual(['assign', 'cancel']);
    expect(repairActions('admin', job({ status: 'done' }))).toEqual(['confirm', 'refund']);
    expect(repairActions('admin', job({ status: 'confirmed' }))).toEqual(['refund']);
    expect(repairActions('admin', job({ status: 'closed' }))).toEqual(['refund-after-release']);
    expect(repairActions('admin', job({ status: 'cancelled' }))).toEqual([]);
  });

  it('offers reassignment before payment to the ops leader only (the API admits no other role)', () => {
    const assigned = job({ status: 'quoted', technicianId: 't-1' });
    expect(repairActions('ops_leader', assigned)).toEqual(['reassign', 'cancel']);
    expect(repairActions('admin', assigned)).toEqual(['cancel']);
    expect(repairActions('ops_leader', job({ status: 'in_progress' }))).toEqual(['cancel']);
  });

  it('lets finance refund only after release (a clawback), nothing else', () => {
    expect(repairActions('finance', job({ status: 'closed' }))).toEqual(['refund-after-release']);
    expect(repairActions('finance', job({ status: 'done' }))).toEqual([]);
  });

  it('offers withdrawing only an approved, unpaid supplement, and waiving a paid visit fee', () => {
    const paid = job({ status: 'in_progress', visitFeePaise: 19_900, quotes: [quote({})] });
    expect(repairActions('ops_leader', paid)).toEqual(['cancel', 'cancel-waive']);
    const supplement = quote({ id: 'q-2', supplementary: true, paidAt: null });
    expect(repairActions('ops_leader', { ...paid, quotes: [quote({}), supplement] })).toEqual([
      'withdraw-supplement',
      'cancel',
      'cancel-waive',
    ]);
  });

  it('offers nothing in the queue to roles the API refuses (finance, compliance, CFO)', () => {
    for (const role of ['finance', 'compliance', 'cfo'] as const)
      expect(repairActions(role, job({}))).toEqual([]);
  });
});

describe('RepairView', () => {
  it('shows the quotes in rupees and the timeline in IST', () => {
    const html = renderToStaticMarkup(
      <RepairView
        job={job({ status: 'in_progress', paidPaise: 59_000, quotes: [quote({})] })}
        timeline={[
          {
            event: 'pay',
            fromStatus: 'awaiting_payment',
            toStatus: 'in_progress',
            by: 'payment',
            at: '2026-12-06T07:05:00.000Z',
            reason: null,
          },
        ]}
        role="compliance"
        onAction={() => {}}
      />,
    )
      .replace(/<style[^>]*>.*?<\/style>/gs, '')
      .replace(/<[^>]+>/g, ' ');
    expect(html).toContain('Screen replacement ×1 @ ₹500.00');
    expect(html).toContain('₹590.00');
    expect(html).toContain('06 Dec 2026, 12:35:00 IST');
    expect(html).toContain('awaiting_payment → in_progress');
    expect(html).not.toMatch(/\bCancel\b/); // no action for compliance
  });
});
