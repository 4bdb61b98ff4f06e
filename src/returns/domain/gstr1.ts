/**
 * GSTR-1 of the platform's own outward supplies: its commission (or service fee) invoices to
 * dealers and technicians. Registered recipients invoice-wise (B2B, table 4A), unregistered ones
 * summed per supply type and rate (B2CS, table 7). Pure; integer paise.
 */
import { Accounts } from '../../ledger/domain/account.js';
import { percentOf, type Reconciliation, reconcile } from './returns.js';
import { creditNet, type JournalEntry } from './tax-movements.js';

export interface CommissionInvoiceFacts {
  readonly invoiceNumber: string;
  /** IST date of the invoice (the release). */
  readonly invoiceDate: string;
  readonly recipientGstin: string | null;
  readonly recipientName: string;
  readonly supply: 'intra_state' | 'inter_state';
  /** The GST rate, a decimal string (`0.18`). */
  readonly gstRate: string;
  readonly taxableValuePaise: bigint;
  readonly igstPaise: bigint;
  readonly cgstPaise: bigint;
  readonly sgstPaise: bigint;
  readonly totalPaise: bigint;
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

export interface Gstr1B2csRow extends GstAmounts {
  readonly supply: 'intra_state' | 'inter_state';
  readonly ratePercent: string;
  readonly invoices: number;
}

export interface Gstr1Figures {
  readonly b2b: readonly Gstr1B2bRow[];
  readonly b2cs: readonly Gstr1B2csRow[];
  readonly totals: GstAmounts & { readonly gstPaise: bigint };
}

function add(a: GstAmounts, b: GstAmounts): GstAmounts {
  return {
    taxableValuePaise: a.taxableValuePaise + b.taxableValuePaise,
    igstPaise: a.igstPaise + b.igstPaise,
    cgstPaise: a.cgstPaise + b.cgstPaise,
    sgstPaise: a.sgstPaise + b.sgstPaise,
  };
}

const ZERO: GstAmounts = { taxableValuePaise: 0n, igstPaise: 0n, cgstPaise: 0n, sgstPaise: 0n };

export function gstr1(invoices: readonly CommissionInvoiceFacts[]): Gstr1Figures {
  const b2b = invoices
    .filter((i) => i.recipientGstin !== null)
    .map((i) => ({
      recipientGstin: i.recipientGstin!,
      recipientName: i.recipientName,
      invoiceNumber: i.invoiceNumber,
      invoiceDate: i.invoiceDate,
      placeOfSupply: i.recipientGstin!.slice(0, 2),
      supply: i.supply,
      ratePercent: percentOf(i.gstRate),
      taxableValuePaise: i.taxableValuePaise,
      igstPaise: i.igstPaise,
      cgstPaise: i.cgstPaise,
      sgstPaise: i.sgstPaise,
      totalPaise: i.totalPaise,
    }))
    .sort((a, b) => a.invoiceNumber.localeCompare(b.invoiceNumber));
  const groups = new Map<string, Gstr1B2csRow>();
  for (const i of invoices.filter((x) => x.recipientGstin === null)) {
    const key = `${i.supply}|${i.gstRate}`;
    const g = groups.get(key) ?? {
      supply: i.supply,
      ratePercent: percentOf(i.gstRate),
      invoices: 0,
      ...ZERO,
    };
    groups.set(key, { ...g, ...add(g, i), invoices: g.invoices + 1 });
  }
  const b2cs = [...groups.keys()].sort().map((k) => groups.get(k)!);
  const sum = [...b2b, ...b2cs].reduce<GstAmounts>(add, ZERO);
  return {
    b2b,
    b2cs,
    totals: { ...sum, gstPaise: sum.igstPaise + sum.cgstPaise + sum.sgstPaise },
  };
}

/**
 * GST on commission in the return against `liability:tax:gst_output` in the period: the releases'
 * deductions are what the invoices charge; any other entry on the account (GST on commission given
 * back by a refund after release, with no credit note; a manual adjustment) is an exception.
 */
export function gstOutputReconciliation(
  entries: readonly JournalEntry[],
  fromMs: number,
  toMs: number,
  returnTotalPaise: bigint,
): Reconciliation {
  let attributed = 0n;
  const others: { key: string; eventType: string; amountPaise: bigint }[] = [];
  for (const e of entries) {
    if (e.effectiveAtMs < fromMs || e.effectiveAtMs >= toMs) continue;
    const amountPaise = creditNet(e.lines, Accounts.gstOutput);
    if (amountPaise === 0n) continue;
    if (e.eventType === 'release_deductions') attributed += amountPaise;
    else others.push({ key: e.key, eventType: e.eventType, amountPaise });
  }
  return reconcile(Accounts.gstOutput, returnTotalPaise, attributed, others);
}
