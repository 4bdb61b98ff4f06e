import { credit, debit } from '../../ledger/domain/journal.js';
import {
  type CommissionCreditNoteFacts,
  type CommissionInvoiceFacts,
  gstOutputReconciliation,
  gstr1,
} from './gstr1.js';
import type { JournalEntry } from './tax-movements.js';

const invoice = (
  n: number,
  recipientGstin: string | null,
  supply: CommissionInvoiceFacts['supply'],
  taxable: bigint,
): CommissionInvoiceFacts => {
  const gst = (taxable * 18n + 50n) / 100n;
  const [igst, cgst] = supply === 'inter_state' ? [gst, 0n] : [0n, gst / 2n];
  return {
    recipientId: `recipient-${n}`,
    invoiceNumber: `FB/26-27/${String(n).padStart(7, '0')}`,
    invoiceDate: '2026-11-06',
    recipientGstin,
    recipientName: `Recipient ${n}`,
    supply,
    gstRate: '0.1800',
    taxableValuePaise: taxable,
    igstPaise: igst,
    cgstPaise: cgst,
    sgstPaise: gst - igst - cgst,
    totalPaise: taxable + gst,
  };
};

describe('GSTR-1 of the commission invoices', () => {
  it('lists B2B invoice-wise by number and sums B2C by supply type and rate', () => {
    const f = gstr1(
      [
        invoice(3, '27AAAPM5678B1Z5', 'inter_state', 11_120n),
        invoice(1, '29AAAPK1234A1Z5', 'intra_state', 14_800n),
        invoice(2, null, 'intra_state', 10_000n),
        invoice(4, null, 'intra_state', 5_001n),
      ],
      [],
    );
    expect(f.b2b.map((r) => [r.invoiceNumber, r.placeOfSupply, r.ratePercent])).toEqual([
      ['FB/26-27/0000001', '29', '18'],
      ['FB/26-27/0000003', '27', '18'],
    ]);
    // 5,001 × 18 % = 900.18 → 900: CGST 450 + SGST 450; 10,000 → 1,800: 900 + 900.
    expect(f.b2cs).toEqual([
      {
        supply: 'intra_state',
        ratePercent: '18',
        invoices: 2,
        creditNotes: 0,
        taxableValuePaise: 15_001n,
        igstPaise: 0n,
        cgstPaise: 1_350n,
        sgstPaise: 1_350n,
      },
    ]);
    expect(f.totals).toEqual({
      taxableValuePaise: 40_921n,
      igstPaise: 2_002n,
      cgstPaise: 2_682n,
      sgstPaise: 2_682n,
      gstPaise: 7_366n,
    });
  });

  it('sets the invoices beside liability:tax:gst_output, other entries as exceptions', () => {
    const entry = (key: string, eventType: string, lines: JournalEntry['lines']): JournalEntry => ({
      key,
      eventType,
      reference: 'order:o1',
      effectiveAtMs: Date.parse('2026-11-10T00:00:00Z'),
      metadata: {},
      lines,
    });
    const entries = [
      entry('deductions:a', 'release_deductions', [
        debit('liability:dealer_payable:d1', 3_000n),
        credit('revenue:commission', 2_000n),
        credit('liability:tax:gst_output', 1_000n),
      ]),
      entry('refund:r1', 'refund_clawback', [
        debit('liability:tax:gst_output', 288n),
        credit('asset:gateway_receivable', 288n),
      ]),
    ];
    const from = Date.parse('2026-10-31T18:30:00Z');
    const to = Date.parse('2026-11-30T18:30:00Z');
    expect(gstOutputReconciliation(entries, from, to, 1_000n, new Set())).toEqual({
      account: 'liability:tax:gst_output',
      returnTotalPaise: 1_000n,
      journalMovementPaise: 712n,
      differencePaise: -288n,
      reconciled: false,
      exceptions: [{ key: 'refund:r1', eventType: 'refund_clawback', amountPaise: -288n }],
    });
    expect(
      gstOutputReconciliation(entries.slice(0, 1), from, to, 1_000n, new Set()).reconciled,
    ).toBe(true);
    // With a credit note naming the refund's entry, its 288 is the note's: 1,000 − 288 = 712.
    expect(gstOutputReconciliation(entries, from, to, 712n, new Set(['refund:r1']))).toEqual({
      account: 'liability:tax:gst_output',
      returnTotalPaise: 712n,
      journalMovementPaise: 712n,
      differencePaise: 0n,
      reconciled: true,
      exceptions: [],
    });
  });

  it('lists credit notes to registered recipients note-wise and nets the others into B2CS', () => {
    const note = (
      n: number,
      of: CommissionInvoiceFacts,
      taxable: bigint,
      gst: bigint,
    ): CommissionCreditNoteFacts => {
      const [igst, cgst] = of.supply === 'inter_state' ? [gst, 0n] : [0n, gst / 2n];
      return {
        recipientId: of.recipientId,
        noteNumber: `CN/26-27/${String(n).padStart(7, '0')}`,
        noteDate: '2026-11-20',
        invoiceNumber: of.invoiceNumber,
        invoiceDate: of.invoiceDate,
        recipientGstin: of.recipientGstin,
        recipientName: of.recipientName,
        supply: of.supply,
        gstRate: of.gstRate,
        taxableValuePaise: taxable,
        igstPaise: igst,
        cgstPaise: cgst,
        sgstPaise: gst - igst - cgst,
        totalPaise: taxable + gst,
        ledgerEntryKey: `refund:r${n}`,
      };
    };
    const ka = invoice(1, '29AAAPK1234A1Z5', 'intra_state', 14_800n);
    const b2c = invoice(2, null, 'intra_state', 10_000n);
    const mh = invoice(3, '27AAAPM5678B1Z5', 'inter_state', 11_120n);
    // 1,600 back to the Karnataka dealer (GST 288: 144 + 144), all of the Maharashtra dealer's
    // (2,002 IGST), 5,000 of the unregistered recipient's (900: 450 + 450).
    const f = gstr1(
      [ka, b2c],
      [note(2, mh, 11_120n, 2_002n), note(1, ka, 1_600n, 288n), note(3, b2c, 5_000n, 900n)],
    );
    expect(
      f.cdnr.map((r) => [
        r.noteNumber,
        r.noteType,
        r.invoiceNumber,
        r.placeOfSupply,
        r.supply,
        r.taxableValuePaise,
        r.igstPaise,
        r.cgstPaise,
        r.sgstPaise,
        r.totalPaise,
      ]),
    ).toEqual([
      [
        'CN/26-27/0000001',
        'C',
        'FB/26-27/0000001',
        '29',
        'intra_state',
        1_600n,
        0n,
        144n,
        144n,
        1_888n,
      ],
      [
        'CN/26-27/0000002',
        'C',
        'FB/26-27/0000003',
        '27',
        'inter_state',
        11_120n,
        2_002n,
        0n,
        0n,
        13_122n,
      ],
    ]);
    expect(f.b2cs).toEqual([
      {
        supply: 'intra_state',
        ratePercent: '18',
        invoices: 1,
        creditNotes: 1,
        taxableValuePaise: 5_000n,
        igstPaise: 0n,
        cgstPaise: 450n,
        sgstPaise: 450n,
      },
    ]);
    // Invoices 14,800 + 10,000 (GST 2,664 + 1,800) less notes 1,600 + 11,120 + 5,000 (GST 288 +
    // 2,002 + 900): taxable 7,080, IGST −2,002, CGST 1,332 + 900 − 144 − 450 = 1,638, SGST the same.
    expect(f.totals).toEqual({
      taxableValuePaise: 7_080n,
      igstPaise: -2_002n,
      cgstPaise: 1_638n,
      sgstPaise: 1_638n,
      gstPaise: 1_274n,
    });
  });
});
