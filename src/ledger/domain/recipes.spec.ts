import fc from 'fast-check';

import { Accounts, availableBalance, postedBalance } from './account.js';
import { LedgerAssertionError } from './assert.js';
import { debit, credit, validateLines } from './journal.js';
import { type LedgerCommand, LedgerModel } from './ledger-model.js';
import { Decimal, type Paise } from './money.js';
import {
  computeDeductions,
  escrowRelease,
  manualAdjustment,
  payableAccount,
  paymentCaptured,
  receivableAccount,
  linesLessRefund,
  refundAfterRelease,
  resolveSaleRates,
  type SaleLine,
  type SaleRates,
  type Supplier,
  supplierPayout,
  tcsCorrected,
  withheldPaise,
} from './recipes.js';
import { DEFAULT_RATE_SELECTION } from './scenario.js';
import { loadRateBook } from '../ledger-spec-files.js';

const dealer: Supplier = { kind: 'dealer', id: 'd1', hasPan: true, gstRegistered: true };
const book = loadRateBook();
const rates = resolveSaleRates(book, DEFAULT_RATE_SELECTION.dealer, dealer, '2026-11-01');
const at = (rate: string) => new Decimal(rate);
/** One line of `g` at 18 %. */
const one = (g: Paise): SaleLine[] => [{ grossPaise: g, gstRate: at('0.18') }];

function flatten(c: LedgerCommand): LedgerCommand[] {
  return c.type === 'batch' ? c.commands.flatMap(flatten) : [c];
}

describe('recipes', () => {
  it('worked example: ₹1,180 GST-inclusive sale, dealer with PAN (ledger-spec/recipes.md)', () => {
    expect(computeDeductions(one(118000n), rates, dealer)).toEqual({
      grossPaise: 118000n,
      taxableValuePaise: 100000n,
      commissionPaise: 9440n, // 8 % of 118000
      gstOnCommissionPaise: 1699n, // 18 % of 9440 = 1699.2
      tcsPaise: 500n, // 0.5 % of 100000
      tdsPaise: 118n, // 0.1 % of 118000
      supplierNetPaise: 106243n,
    });
  });

  it('mixed GST rates: TCS on each line’s own taxable value (₹800 at 18 % + ₹1,050 at 5 %)', () => {
    const lines = [
      { grossPaise: 80000n, gstRate: at('0.18') },
      { grossPaise: 105000n, gstRate: at('0.05') },
    ];
    const d = computeDeductions(lines, rates, dealer);
    expect(d.taxableValuePaise).toBe(167797n); // 67,797 + 100,000
    expect(d.tcsPaise).toBe(839n); // not 784 = 0.5 % of 185,000 / 1.18
    expect(d.supplierNetPaise + withheldPaise(d)).toBe(185000n);
  });

  it('a refund not tied to lines is split over them pro rata to gross, by largest remainder', () => {
    const lines = [
      { grossPaise: 80000n, gstRate: at('0.18') },
      { grossPaise: 105000n, gstRate: at('0.05') },
    ];
    // 50,000 × 80/185 = 21,621.62 → 21,622; × 105/185 = 28,378.37 → 28,378
    expect(linesLessRefund(lines, 50000n).map((l) => l.grossPaise)).toEqual([58378n, 76622n]);
    expect(linesLessRefund(lines, 185000n).map((l) => l.grossPaise)).toEqual([0n, 0n]);
    expect(linesLessRefund(lines, 0n)).toEqual(lines);
    expect(() => linesLessRefund(lines, 185001n)).toThrow(LedgerAssertionError);
  });

  it('no PAN: TDS 5 %; unregistered: no TCS, taxable = gross; policy switches bases', () => {
    const noPan = { ...dealer, hasPan: false };
    expect(
      computeDeductions(
        one(118000n),
        resolveSaleRates(book, DEFAULT_RATE_SELECTION.dealer, noPan, '2026-11-01'),
        noPan,
      ).tdsPaise,
    ).toBe(5900n);
    const unregistered = { ...dealer, gstRegistered: false };
    const d = computeDeductions(one(118000n), rates, unregistered);
    expect(d.tcsPaise).toBe(0n);
    expect(d.taxableValuePaise).toBe(118000n);
    const t = computeDeductions(one(118000n), rates, dealer, {
      commissionBase: 'taxable',
      tdsBase: 'taxable',
    });
    expect(t.commissionPaise).toBe(8000n);
    expect(t.tdsPaise).toBe(100n);
  });

  it('old rates apply to old dates (TCS 1 % before 2024-07-10, TDS 1 % before 2024-10-01)', () => {
    const old = resolveSaleRates(book, DEFAULT_RATE_SELECTION.dealer, dealer, '2024-07-09');
    const d = computeDeductions(one(118000n), old, dealer);
    expect(d.tcsPaise).toBe(1000n);
    expect(d.tdsPaise).toBe(1180n);
  });

  it('TCS correction: more TCS from the payable then the receivable; less TCS back to the payable', () => {
    const base = {
      releaseId: 's1',
      reference: 'order:o1',
      supplier: dealer,
      actor: 't',
      metadata: {},
    };
    const up = tcsCorrected({ ...base, differencePaise: 55n, payableAvailablePaise: 20n });
    expect(up.fromReceivablePaise).toBe(35n);
    expect(up.command).toMatchObject({
      type: 'post',
      key: 'tcs_correction:s1',
      lines: [
        debit(Accounts.dealerPayable('d1'), 20n),
        debit(Accounts.dealerReceivable('d1'), 35n),
        credit(Accounts.tcs, 55n),
      ],
    });
    const covered = tcsCorrected({ ...base, differencePaise: 55n, payableAvailablePaise: 100n });
    expect(covered.fromReceivablePaise).toBe(0n);
    expect(covered.command).toMatchObject({
      lines: [debit(Accounts.dealerPayable('d1'), 55n), credit(Accounts.tcs, 55n)],
    });
    const down = tcsCorrected({ ...base, differencePaise: -15n, payableAvailablePaise: 0n });
    expect(down.command).toMatchObject({
      lines: [debit(Accounts.tcs, 15n), credit(Accounts.dealerPayable('d1'), 15n)],
    });
    expect(() => tcsCorrected({ ...base, differencePaise: 0n, payableAvailablePaise: 0n })).toThrow(
      LedgerAssertionError,
    );
  });

  it('manual adjustment needs two different people and a reason', () => {
    const lines = [debit(Accounts.goodwill, 100n), credit(Accounts.gatewayReceivable, 100n)];
    expect(() =>
      manualAdjustment({ adjustmentId: 'a', lines, reason: 'x', maker: 'u1', checker: 'u1' }),
    ).toThrow(LedgerAssertionError);
    expect(() =>
      manualAdjustment({ adjustmentId: 'a', lines, reason: ' ', maker: 'u1', checker: 'u2' }),
    ).toThrow(LedgerAssertionError);
    expect(
      manualAdjustment({
        adjustmentId: 'a',
        lines,
        reason: 'goodwill',
        maker: 'u1',
        checker: 'u2',
      }),
    ).toMatchObject({
      key: 'adjustment:a',
      meta: { metadata: { maker: 'u1', checker: 'u2' } },
    });
  });

  /** 1–4 lines at the GST rates listings accept, the first of gross ≥ 1. */
  const linesArb = fc
    .array(
      fc.record({
        grossPaise: fc.bigInt({ min: 0n, max: 10n ** 10n }),
        gstRate: fc.constantFrom('0', '0.05', '0.12', '0.18', '0.28').map(at),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((ls) => ls.map((l, i) => (i === 0 ? { ...l, grossPaise: l.grossPaise + 1n } : l)));
  const grossOf = (ls: SaleLine[]) => ls.reduce((a, l) => a + l.grossPaise, 0n);
  const supplierArb = fc.record({
    kind: fc.constantFrom('dealer' as const, 'technician' as const),
    id: fc.constant('s1'),
    hasPan: fc.boolean(),
    gstRegistered: fc.boolean(),
  });
  const policyArb = fc.record({
    commissionBase: fc.constantFrom('gross' as const, 'taxable' as const),
    tdsBase: fc.constantFrom('gross' as const, 'taxable' as const),
  });
  const dateArb = fc.constantFrom(
    '2024-07-09',
    '2024-07-10',
    '2024-09-30',
    '2024-10-01',
    '2026-11-01',
  );
  const ratesFor = (s: Supplier, date: string): SaleRates =>
    resolveSaleRates(book, DEFAULT_RATE_SELECTION[s.kind], s, date);

  it('property: deductions add up and every component is non-negative', () => {
    fc.assert(
      fc.property(linesArb, supplierArb, policyArb, dateArb, (ls, s, p, date) => {
        const d = computeDeductions(ls, ratesFor(s, date), s, p);
        expect(d.supplierNetPaise + withheldPaise(d)).toBe(grossOf(ls));
        for (const v of Object.values(d)) expect(v >= 0n).toBe(true);
      }),
    );
  });

  it('property: every recipe entry balances, and capture → release (with random refund) → refunds applies cleanly', () => {
    fc.assert(
      fc.property(
        linesArb,
        supplierArb,
        policyArb,
        dateArb,
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 11n }), { maxLength: 4 }),
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        (ls, s, p, date, refundRaw, refundsRaw, payoutRaw) => {
          const g = grossOf(ls);
          const escrow = s.kind === 'dealer' ? 'order' : 'job';
          const r = ratesFor(s, date);
          const l = new LedgerModel();
          const apply = (c: LedgerCommand) => {
            for (const sub of flatten(c)) {
              if (sub.type === 'post' || sub.type === 'hold') {
                expect(validateLines(sub.lines)).toBe('ok');
                for (const line of sub.lines)
                  l.apply({ type: 'open_account', code: line.account }, 0);
              }
            }
            return l.apply(c, 0).code;
          };
          expect(
            apply(
              paymentCaptured({
                escrow,
                subjectId: 'x1',
                supplier: s,
                paymentId: 'p1',
                grossPaise: g,
                holdKey: 'h1',
                holdTimeoutSeconds: 0,
                actor: 't',
              }),
            ),
          ).toBe('ok');
          const refundAtRelease = refundRaw % (g + 1n);
          const rel = escrowRelease({
            escrow,
            subjectId: 'x1',
            supplier: s,
            holdKey: 'h1',
            heldPaise: g,
            lines: ls,
            refundPaise: refundAtRelease,
            rates: r,
            policy: p,
            releaseId: 'x1',
            actor: 't',
          });
          expect(apply(rel.command)).toBe('ok');
          expect(
            l.account(escrow === 'order' ? Accounts.orderEscrow('x1') : Accounts.jobEscrow('x1'))
              ?.creditsPosted,
          ).toBe(g);
          // The supplier may already have been paid out (part of) its share before the refunds.
          const payable = payableAccount(s);
          const payableAvailable = () => {
            const a = l.account(payable);
            return a === undefined ? 0n : availableBalance(a);
          };
          const payoutPaise = payoutRaw % (payableAvailable() + 1n);
          if (payoutPaise > 0n) {
            expect(
              apply(
                supplierPayout({
                  payoutId: 'po1',
                  supplier: s,
                  amountPaise: payoutPaise,
                  sourceAccount: Accounts.gatewayReceivable,
                  actor: 't',
                }),
              ),
            ).toBe('ok');
          }
          let refunded: Paise = 0n;
          for (const [i, raw] of refundsRaw.entries()) {
            const remaining = rel.releasedPaise - refunded;
            if (remaining === 0n) break;
            const amount = i === refundsRaw.length - 1 ? remaining : 1n + (raw % remaining);
            const ref = refundAfterRelease({
              escrow,
              subjectId: 'x1',
              supplier: s,
              releasedLines: rel.releasedLines,
              previouslyRefundedPaise: refunded,
              refundPaise: amount,
              rates: r,
              policy: p,
              releaseEntryKeys: rel.releaseEntryKeys,
              payableAvailablePaise: payableAvailable(),
              refundId: `r${i}`,
              actor: 't',
            });
            expect(apply(ref.command)).toBe('ok');
            refunded += amount;
          }
          const tb = l.trialBalance();
          expect(tb.balanced).toBe(true);
          if (refunded === rel.releasedPaise) {
            // everything refunded: every deduction and the supplier's payable are back to zero, buyer whole
            for (const code of [
              Accounts.commission,
              Accounts.gstOutput,
              Accounts.tcs,
              Accounts.tds,
            ]) {
              const a = l.account(code);
              if (a !== undefined) expect(a.debitsPosted).toBe(a.creditsPosted);
            }
            // the supplier owes back exactly what it was paid out: payable − receivable = −payout
            const receivable = l.account(receivableAccount(s));
            const owed = receivable === undefined ? 0n : postedBalance(receivable);
            expect(payableAvailable() - owed).toBe(-payoutPaise);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('partial clawbacks sum exactly to the full deductions (rates as data: any rate table works)', () => {
    fc.assert(
      fc.property(
        linesArb,
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 5 }),
        (ls, bps, k) => {
          const g = grossOf(ls);
          const custom: SaleRates = { ...rates, commission: new Decimal(bps).div(10000) };
          let refunded = 0n;
          let commission = 0n;
          let tcs = 0n;
          let net = 0n;
          for (let i = 0; i < k; i += 1) {
            const amount = i === k - 1 ? g - refunded : (g - refunded) / 2n;
            if (amount === 0n) continue;
            const r = refundAfterRelease({
              escrow: 'order',
              subjectId: 'x',
              supplier: dealer,
              releasedLines: ls,
              previouslyRefundedPaise: refunded,
              refundPaise: amount,
              rates: custom,
              releaseEntryKeys: [],
              payableAvailablePaise: g,
              refundId: `r${i}`,
              actor: 't',
            });
            commission += r.clawback.commissionPaise;
            tcs += r.clawback.tcsPaise;
            net += r.clawback.supplierNetPaise;
            refunded += amount;
          }
          const full = computeDeductions(ls, custom, dealer);
          expect(commission).toBe(full.commissionPaise);
          expect(tcs).toBe(full.tcsPaise);
          expect(net).toBe(full.supplierNetPaise);
        },
      ),
    );
  });
});
