import { describe, expect, it } from '@jest/globals';
import { renderToStaticMarkup } from 'react-dom/server';
import { disputeOutcomes, DisputeView, type Dispute } from './dispute-view';

const dispute = (over: Partial<Dispute>): Dispute => ({
  kind: 'dispute',
  status: 'responded',
  resolution: null,
  refundPaise: null,
  evidence: [],
  id: 'd-1',
  orderId: null,
  subOrderId: null,
  repairJobId: 'r-1',
  buyerId: 'c-1',
  dealerId: null,
  technicianId: 't-1',
  reason: 'not_fixed',
  description: 'The screen still flickers',
  dealerResponse: null,
  technicianResponse: 'Replaced the panel; the flicker is the board',
  respondedAt: '2026-12-06T08:00:00.000Z',
  resolutionReason: null,
  resolvedBy: null,
  resolvedAt: null,
  createdAt: '2026-12-06T07:00:00.000Z',
  ...over,
});

const text = (html: string) =>
  html.replace(/<style[^>]*>.*?<\/style>/gs, '').replace(/<[^>]+>/g, ' ');

describe('disputeOutcomes', () => {
  it('offers every outcome until resolved, to the roles the API lets resolve', () => {
    for (const role of ['admin', 'finance', 'ops_leader'] as const) {
      expect(disputeOutcomes(role, dispute({ status: 'open' }))).toEqual([
        'release',
        'partial_refund',
        'full_refund',
      ]);
      expect(disputeOutcomes(role, dispute({ status: 'resolved' }))).toEqual([]);
    }
  });

  it('offers nothing to compliance or the CFO', () => {
    for (const role of ['compliance', 'cfo'] as const)
      expect(disputeOutcomes(role, dispute({}))).toEqual([]);
  });
});

describe('DisputeView', () => {
  it("shows a repair dispute's customer and technician messages and its refund in rupees", () => {
    const html = text(
      renderToStaticMarkup(
        <DisputeView
          dispute={dispute({
            status: 'resolved',
            resolution: 'partial_refund',
            refundPaise: 125_050,
            resolutionReason: 'Half the work was not done',
            resolvedAt: '2026-12-06T09:00:00.000Z',
          })}
          role="admin"
          onResolve={() => {}}
        />,
      ),
    );
    expect(html).toContain('The screen still flickers');
    expect(html).toContain('Replaced the panel; the flicker is the board');
    expect(html).toContain('Half the work was not done');
    expect(html).toContain('₹1,250.50');
    expect(html).toContain('partial refund');
    expect(html).toContain('06 Dec 2026, 14:30:00 IST');
    expect(html).not.toContain('Refund in full'); // resolved: nothing offered
  });

  it("shows a part dispute's buyer reason and dealer answer", () => {
    const html = text(
      renderToStaticMarkup(
        <DisputeView
          dispute={dispute({
            kind: 'return',
            repairJobId: null,
            orderId: 'o-1',
            subOrderId: 's-1',
            dealerId: 'dl-1',
            technicianId: null,
            reason: 'Wrong battery model',
            description: null,
            technicianResponse: null,
            dealerResponse: 'We will take it back',
          })}
          role="compliance"
          onResolve={() => {}}
        />,
      ),
    );
    expect(html).toContain('part return');
    expect(html).toContain('Wrong battery model');
    expect(html).toContain('We will take it back');
    expect(html).toContain('o-1 / s-1');
    expect(html).not.toContain('Reject'); // compliance: no action
  });
});
