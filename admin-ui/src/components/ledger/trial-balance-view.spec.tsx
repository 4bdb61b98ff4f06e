import { describe, expect, it } from '@jest/globals';
import { renderToStaticMarkup } from 'react-dom/server';
import { TrialBalanceView, type TrialBalance } from './trial-balance-view';

const zero = { debitBalance: 0, creditBalance: 0, debitsPosted: 0, creditsPosted: 0 };
const account = (code: string, debitBalance: number, creditBalance: number) => ({
  code,
  debitBalance,
  creditBalance,
  debitsPosted: debitBalance,
  creditsPosted: creditBalance,
  debitsPending: 0,
  creditsPending: 0,
});

function trialBalance(capitalCredit: number): TrialBalance {
  return {
    asOf: '2026-12-06T18:30:00.000Z',
    source: 'journal',
    groups: [
      {
        type: 'asset',
        normalSide: 'debit',
        balance: 1234567890,
        accounts: [account('asset:bank:b-1', 1234567890, 0)],
        totals: { ...zero, debitBalance: 1234567890, debitsPosted: 1234567890 },
      },
      { type: 'liability', normalSide: 'credit', balance: 0, accounts: [], totals: zero },
      {
        type: 'equity',
        normalSide: 'credit',
        balance: capitalCredit,
        accounts: [account('equity:capital', 0, capitalCredit)],
        totals: { ...zero, creditBalance: capitalCredit, creditsPosted: capitalCredit },
      },
    ],
    totals: {
      debitBalance: 1234567890,
      creditBalance: capitalCredit,
      debitsPosted: 1234567890,
      creditsPosted: capitalCredit,
    },
    pending: { debits: 0, credits: 0, balanced: true },
    balanced: capitalCredit === 1234567890,
  };
}

/** The view as HTML, without the style elements Emotion renders inline on the server. */
function render(tb: TrialBalance): string {
  return renderToStaticMarkup(<TrialBalanceView tb={tb} />).replace(
    /<style[^>]*>.*?<\/style>/gs,
    '',
  );
}

/** The text of the element carrying `data-testid` (its tags balanced from its opening one, then stripped). */
function textOf(html: string, testId: string): string {
  const open = html.lastIndexOf('<', html.indexOf(`data-testid="${testId}"`));
  expect(open).toBeGreaterThan(-1);
  const tags = /<(\/?)\w+[^>]*?(\/?)>/g;
  tags.lastIndex = open;
  let depth = 0;
  let end = open;
  for (let m = tags.exec(html); m; m = tags.exec(html)) {
    if (m[2]) continue; // self-closing
    depth += m[1] ? -1 : 1;
    if (depth === 0) {
      end = m.index;
      break;
    }
  }
  return html
    .slice(open, end)
    .replace(/<[^>]+>/g, '')
    .replace(/&#x27;/g, "'");
}

describe('TrialBalanceView', () => {
  it('groups accounts by type with subtotals, totals in rupees and the balanced proof', () => {
    const html = render(trialBalance(1234567890));
    expect(textOf(html, 'balanced-proof')).toBe(
      'Balanced: Σ debit balances ₹1,23,45,678.90 = Σ credit balances ₹1,23,45,678.90',
    );
    expect(textOf(html, 'tb-asset:bank:b-1')).toBe('asset:bank:b-1₹1,23,45,678.90');
    expect(textOf(html, 'tb-equity:capital')).toBe('equity:capital₹1,23,45,678.90');
    expect(textOf(html, 'tb-total-debit')).toBe('₹1,23,45,678.90');
    expect(textOf(html, 'tb-total-credit')).toBe('₹1,23,45,678.90');
    // Groups in the API's order, each headed, an empty one saying so.
    const headings = [...html.matchAll(/scope="rowgroup"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(headings).toEqual([
      'Assets (normal side: debit)',
      'Liabilities (normal side: credit)',
      'Equity (normal side: credit)',
    ]);
    expect(html).toContain('No accounts');
    // The instant in IST: 18:30 UTC on 6 December is midnight starting 7 December.
    expect(html).toContain('As of 07 Dec 2026, 00:00:00 IST');
  });

  it('shows by how much books that do not balance are off', () => {
    const html = render(trialBalance(1234567800));
    expect(textOf(html, 'balanced-proof')).toBe(
      'Not balanced: Σ debit balances ₹1,23,45,678.90 ≠ Σ credit balances ₹1,23,45,678.00 (difference ₹0.90)',
    );
  });
});
