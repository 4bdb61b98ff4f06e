/**
 * GSTR-1 of the platform's own outward supplies: its commission (or service fee) invoices to
 * dealers and technicians. Registered recipients invoice-wise (B2B, table 4A), unregistered ones
 * summed per supply type and rate (B2CS, table 7); credit notes for commission given back by refunds
 * after release note-wise to registered recipients (CDNR, table 9B) and netted into B2CS for the
 * others. Pure; integer paise.
 */
import { Accounts } from '../../ledger/domain/account.js';
import { percentOf, type Reconciliation, reconcile } from './returns.js';
import { creditNet, type JournalEntry } from './tax-movements.js';

export interface CommissionInvoiceFacts extends GstAmounts {
  /** The dealer or technician invoiced. */
  readonly recipientId: string;
  readonly invoiceNumber: string;
  /** IST date of the invoice (the release). */
  readonly invoiceDate: string;
  readonly recipientGstin: string | null;
  readonly recipientName: string;
  readonly supply: 'intra_state' | 'inter_state';
  /** The GST rate, a decimal string (`0.18`). */
  readonly gstRate: string;
  readonly totalPaise: bigint;
}

/**
 * A credit note for commission given back: the invoice it reduces (number, date, recipient, supply
 * and rate as on the invoice) with the note's own number, date and amounts.
 */
export interface CommissionCreditNoteFacts extends CommissionInvoiceFacts {
  readonly noteNumber: string;
  /** IST date of the note (of the ledger entry that gives the GST back). */
  readonly noteDate: string;
  /** The ledger entry that debits liability:tax:gst_output for it. */
  readonly ledgerEntryKey: string;
}

export interface GstAmounts {
  readonly taxableValuePaise: bigint;
  readonly igstPaise: bigint;
  readonly cgstPaise: bigint;
  readonly sgstPaise: bigint;
}

export interface Gstr1B2bRow extends GstAmounts {
  readonly recipientGstin: string;
  readonly recipientName: string;
  readonly invoiceNumber: string;
  readonly invoiceDate: string;
  /** Place of supply: the recipient's state code (its GSTIN's first two digits). */
  readonly placeOfSupply: string;
  readonly supply: 'intra_state' | 'inter_state';
  readonly ratePercent: string;
  readonly totalPaise: bigint;
}

/**
 * A credit note to a registered recipient: the invoice it reduces (number, date, place of supply,
 * rate) with the note's number, date and amounts (as on the note: positive, a reduction).
 */
export interface Gstr1CdnrRow extends Gstr1B2bRow {
  readonly noteNumber: string;
  readonly noteDate: string;
  /** `C`: credit note. */
  readonly noteType: 'C';
}

/** Unregistered recipients per supply type and rate: invoices less credit notes (may be negative). */
export interface Gstr1B2csRow extends GstAmounts {
  readonly supply: 'intra_state' | 'inter_state';
  readonly ratePercent: string;
  readonly invoices: number;
  readonly creditNotes: number;
}

export interface Gstr1Figures {
  readonly b2b: readonly Gstr1B2bRow[];
  readonly cdnr: readonly Gstr1CdnrRow[];
  readonly b2cs: readonly Gstr1B2csRow[];
  /** Invoices less credit notes. */
  readonly totals: GstAmounts & { readonly gstPaise: bigint };
}

function add(a: GstAmounts, b: GstAmounts, sign = 1n): GstAmounts {
  return {
    taxableValuePaise: a.taxableValuePaise + sign * b.taxableValuePaise,
    igstPaise: a.igstPaise + sign * b.igstPaise,
    cgstPaise: a.cgstPaise + sign * b.cgstPaise,
    sgstPaise: a.sgstPaise + sign * b.sgstPaise,
  };
}

const amountsOf = (x: GstAmounts): GstAmounts => ({
  taxableValuePaise: x.taxableValuePaise,
  igstPaise: x.igstPaise,
  cgstPaise: x.cgstPaise,
  sgstPaise: x.sgstPaise,
});

const ZERO: GstAmounts = { taxableValuePaise: 0n, igstPaise: 0n, cgstPaise: 0n, sgstPaise: 0n };

export function gstr1(
  invoices: readonly CommissionInvoiceFacts[],
  creditNotes: readonly CommissionCreditNoteFacts[],
): Gstr1Figures {
  const registered = (i: CommissionInvoiceFacts): Gstr1B2bRow => ({
    recipientGstin: i.recipientGstin!,
    recipientName: i.recipientName,
    invoiceNumber: i.invoiceNumber,
    invoiceDate: i.invoiceDate,
    placeOfSupply: i.recipientGstin!.slice(0, 2),
    supply: i.supply,
    ratePercent: percentOf(i.gstRate),
    ...amountsOf(i),
    totalPaise: i.totalPaise,
  });
  const b2b = invoices
    .filter((i) => i.recipientGstin !== null)
    .map(registered)
    .sort((a, b) => a.invoiceNumber.localeCompare(b.invoiceNumber));
  const cdnr = creditNotes
    .filter((n) => n.recipientGstin !== null)
    .map((n) => ({
      ...registered(n),
      noteNumber: n.noteNumber,
      noteDate: n.noteDate,
      noteType: 'C' as const,
    }))
    .sort((a, b) => a.noteNumber.localeCompare(b.noteNumber));
  const groups = new Map<string, Gstr1B2csRow>();
  const group = (x: { supply: Gstr1B2csRow['supply']; gstRate: string }) => {
    const key = `${x.supply}|${x.gstRate}`;
    const g = groups.get(key) ?? {
      supply: x.supply,
      ratePercent: percentOf(x.gstRate),
      invoices: 0,
      creditNotes: 0,
      ...ZERO,
    };
    groups.set(key, g);
    return [key, g] as const;
  };
  for (const i of invoices.filter((x) => x.recipientGstin === null)) {
    const [key, g] = group(i);
    groups.set(key, { ...g, ...add(g, i), invoices: g.invoices + 1 });
  }
  for (const n of creditNotes.filter((x) => x.recipientGstin === null)) {
    const [key, g] = group(n);
    groups.set(key, { ...g, ...add(g, n, -1n), creditNotes: g.creditNotes + 1 });
  }
  const b2cs = [...groups.keys()].sort().map((k) => groups.get(k)!);
  const sum = add(
    [...b2b, ...b2cs].reduce<GstAmounts>((a, b) => add(a, b), ZERO),
    cdnr.reduce<GstAmounts>((a, b) => add(a, b), ZERO),
    -1n,
  );
  return {
    b2b,
    cdnr,
    b2cs,
    totals: { ...sum, gstPaise: sum.igstPaise + sum.cgstPaise + sum.sgstPaise },
  };
}

/**
 * GST on commission in the return against `liability:tax:gst_output` in the period: the releases'
 * deductions are what the invoices charge, and the entries the period's credit notes name
 * (`creditNoteEntryKeys`) what the notes give back; any other entry on the account (GST given back
 * with no credit note; a manual adjustment) is an exception.
 */
export function gstOutputReconciliation(
  entries: readonly JournalEntry[],
  fromMs: number,
  toMs: number,
  returnTotalPaise: bigint,
  creditNoteEntryKeys: ReadonlySet<string>,
): Reconciliation {
  let attributed = 0n;
  const others: { key: string; eventType: string; amountPaise: bigint }[] = [];
  for (const e of entries) {
    if (e.effectiveAtMs < fromMs || e.effectiveAtMs >= toMs) continue;
    const amountPaise = creditNet(e.lines, Accounts.gstOutput);
    if (amountPaise === 0n) continue;
    if (e.eventType === 'release_deductions' || creditNoteEntryKeys.has(e.key))
      attributed += amountPaise;
    else others.push({ key: e.key, eventType: e.eventType, amountPaise });
  }
  return reconcile(Accounts.gstOutput, returnTotalPaise, attributed, others);
}
