import { describe, expect, it } from '@jest/globals';
import { renderToStaticMarkup } from 'react-dom/server';
import { ApplicantView, type AccountDetail } from './applicant-detail';

const account = (over: Partial<AccountDetail>): AccountDetail => ({
  id: 'u-1',
  role: 'dealer',
  status: 'suspended',
  email: 'dealer@example.in',
  phone: '+919800000001',
  phoneVerifiedAt: null,
  displayName: 'Ravi',
  businessName: 'Ravi Mobile Spares',
  gstin: '29ABCDE1234F1Z5',
  pan: 'ABCDE1234F',
  createdAt: '2026-12-01T04:30:00.000Z',
  history: [],
  ...over,
});

const render = (a: AccountDetail) =>
  renderToStaticMarkup(<ApplicantView account={a} />)
    .replace(/<style[^>]*>.*?<\/style>/gs, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

describe('ApplicantView', () => {
  it('shows the record and every status change, an ops-leader override marked as one', () => {
    const text = render(
      account({
        history: [
          {
            fromStatus: null,
            toStatus: 'pending',
            reason: 'Self-registration',
            actorId: null,
            override: false,
            at: '2026-12-01T04:30:00.000Z',
          },
          {
            fromStatus: 'pending',
            toStatus: 'suspended',
            reason: 'GST certificate of another shop',
            actorId: 'ops-1',
            override: true,
            at: '2026-12-02T06:00:00.000Z',
          },
        ],
      }),
    );
    expect(text).toContain('Ravi Mobile Spares');
    expect(text).toContain('29ABCDE1234F1Z5');
    expect(text).toContain(
      '01 Dec 2026, 10:00:00 IST Applied pending the applicant Self-registration',
    );
    expect(text).toContain(
      '02 Dec 2026, 11:30:00 IST Suspended (ops-leader override) pending → suspended ops-1 GST certificate of another shop',
    );
  });

  it('says so when no status change is recorded', () => {
    expect(render(account({}))).toContain('No status change recorded.');
  });
});
