/**
 * The figures of the statutory returns, computed from tax movements (tax-movements.ts), a directory
 * of suppliers and each sale's place of supply. Pure; integer paise throughout.
 */
import { Decimal } from '../../ledger/domain/money.js';
import { istDate } from '../../ledger/domain/rates.js';
import { type Period, periodOf } from './periods.js';
import type { OtherTaxEntry, SupplierRef, TaxMovement } from './tax-movements.js';

export interface SupplierInfo extends SupplierRef {
  readonly name: string;
  readonly gstin: string | null;
  readonly pan: string | null;
}

export type Supply = 'intra_state' | 'inter_state';

export interface ReturnInputs {
  readonly period: Period;
  readonly movements: readonly TaxMovement[];
  readonly others: readonly OtherTaxEntry[];
  readonly suppliers: ReadonlyMap<string, SupplierInfo>;
  /** Place of supply of a sale (by `reference` and supplier id): same state as the supplier or not. */
  readonly supplyOf: (reference: string, supplierId: string) => Supply;
}

export interface TcsSplit {
  readonly igstPaise: bigint;
  readonly cgstPaise: bigint;
  readonly sgstPaise: bigint;
}

export interface Gstr8Row extends TcsSplit {
  readonly supplierId: string;
  readonly supplierGstin: string;
  readonly supplierName: string;
  /** Taxable value of the supplies made in the period. */
  readonly grossSuppliesPaise: bigint;
  /** Taxable value of the returns (a positive number, as the return form asks). */
  readonly returnsPaise: bigint;
  readonly netPaise: bigint;
  readonly tcsPaise: bigint;
}

export interface Gstr8Amendment extends Gstr8Row {
  /** The month of the supplies the returns or corrections take back from (`YYYY-MM`). */
  readonly originalPeriod: string;
}

export interface Reconciliation {
  readonly account: string;
  /** The return's total of the tax. */
  readonly returnTotalPaise: bigint;
  /** Credits less debits on the account in the period, payments to the government apart. */
  readonly journalMovementPaise: bigint;
  readonly differencePaise: bigint;
  readonly reconciled: boolean;
  /** The entries that make the difference (on the account, not in the return). */
  readonly exceptions: readonly { key: string; eventType: string; amountPaise: bigint }[];
}

export interface Gstr8Return {
  readonly period: string;
  readonly rows: readonly Gstr8Row[];
  readonly amendments: readonly Gstr8Amendment[];
  readonly totals: Omit<Gstr8Row, 'supplierId' | 'supplierGstin' | 'supplierName'>;
  readonly reconciliation: Reconciliation;
}

/**
 * TCS of intra-state supplies is half CGST and half SGST, the odd paisa to SGST (as GST on
 * commission, src/payouts/commission/commission-invoice.ts); IGST otherwise.
 */
function split(intraPaise: bigint, interPaise: bigint): TcsSplit {
  const cgst = intraPaise / 2n;
  return { igstPaise: interPaise, cgstPaise: cgst, sgstPaise: intraPaise - cgst };
}

interface Acc {
  supplies: bigint;
  returns: bigint;
  intra: bigint;
  inter: bigint;
}

function rowOf(info: SupplierInfo, a: Acc): Gstr8Row {
  return {
    supplierId: info.id,
    supplierGstin: info.gstin ?? '',
    supplierName: info.name,
    grossSuppliesPaise: a.supplies,
    returnsPaise: a.returns,
    netPaise: a.supplies - a.returns,
    tcsPaise: a.intra + a.inter,
    ...split(a.intra, a.inter),
  };
}

function sumRows(rows: readonly Gstr8Row[]): Gstr8Return['totals'] {
  const sum = (f: (r: Gstr8Row) => bigint) => rows.reduce((s, r) => s + f(r), 0n);
  return {
    grossSuppliesPaise: sum((r) => r.grossSuppliesPaise),
    returnsPaise: sum((r) => r.returnsPaise),
    netPaise: sum((r) => r.netPaise),
    tcsPaise: sum((r) => r.tcsPaise),
    igstPaise: sum((r) => r.igstPaise),
    cgstPaise: sum((r) => r.cgstPaise),
    sgstPaise: sum((r) => r.sgstPaise),
  };
}

/** The return beside its account: what the return reports, the account's movement, the entries between. */
export function reconcile(
  account: string,
  returnTotal: bigint,
  attributed: bigint,
  others: readonly { key: string; eventType: string; amountPaise: bigint }[],
): Reconciliation {
  const exceptions = others.filter((o) => o.amountPaise !== 0n && o.eventType !== 'tax_payment');
  const journal = attributed + exceptions.reduce((s, o) => s + o.amountPaise, 0n);
  return {
    account,
    returnTotalPaise: returnTotal,
    journalMovementPaise: journal,
    differencePaise: journal - returnTotal,
    reconciled: journal === returnTotal,
    exceptions,
  };
}

const byGstin = (suppliers: ReadonlyMap<string, SupplierInfo>) => (a: string, b: string) =>
  (suppliers.get(a)?.gstin ?? a).localeCompare(suppliers.get(b)?.gstin ?? b);

/**
 * GSTR-8 for a month: per GST-registered supplier, the supplies made through the platform in the
 * month, the returns of them, the net value and TCS split by place of supply; returns and TCS
 * corrections of supplies made in an earlier month are amendments (per supplier and month of the
 * supply). TCS posted for a supplier without a GSTIN cannot be reported and is an exception.
 */
export function gstr8(inputs: ReturnInputs): Gstr8Return {
  const { period, suppliers } = inputs;
  const current = new Map<string, Acc>();
  const amended = new Map<string, Acc>();
  const unreportable: { key: string; eventType: string; amountPaise: bigint }[] = [];
  for (const m of inputs.movements) {
    const info = suppliers.get(m.supplier.id);
    if (info?.gstin == null) {
      if (m.tcsPaise !== 0n) {
        unreportable.push({
          key: m.entryKeys.join(' '),
          eventType: m.kind,
          amountPaise: m.tcsPaise,
        });
      }
      continue;
    }
    const earlier =
      m.kind !== 'supply' && m.suppliedAtMs != null && m.suppliedAtMs < period.fromMs
        ? periodOf('gstr8', m.suppliedAtMs).key
        : undefined;
    const map = earlier === undefined ? current : amended;
    const key = earlier === undefined ? info.id : `${earlier}|${info.id}`;
    const acc = map.get(key) ?? { supplies: 0n, returns: 0n, intra: 0n, inter: 0n };
    if (m.taxableValuePaise >= 0n) acc.supplies += m.taxableValuePaise;
    else acc.returns -= m.taxableValuePaise;
    if (inputs.supplyOf(m.reference, info.id) === 'intra_state') acc.intra += m.tcsPaise;
    else acc.inter += m.tcsPaise;
    map.set(key, acc);
  }
  const rows = [...current.keys()]
    .sort(byGstin(suppliers))
    .map((id) => rowOf(suppliers.get(id)!, current.get(id)!));
  const amendments = [...amended.keys()]
    .map((key) => {
      const [originalPeriod, id] = key.split('|') as [string, string];
      return { originalPeriod, ...rowOf(suppliers.get(id)!, amended.get(key)!) };
    })
    .sort(
      (a, b) =>
        a.originalPeriod.localeCompare(b.originalPeriod) ||
        a.supplierGstin.localeCompare(b.supplierGstin),
    );
  const totals = sumRows([...rows, ...amendments]);
  const attributed = inputs.movements
    .filter((m) => suppliers.get(m.supplier.id)?.gstin != null)
    .reduce((s, m) => s + m.tcsPaise, 0n);
  const others = [
    ...unreportable,
    ...inputs.others.map((o) => ({ key: o.key, eventType: o.eventType, amountPaise: o.tcsPaise })),
  ];
  return {
    period: period.key,
    rows,
    amendments,
    totals,
    reconciliation: reconcile('liability:tax:tcs', totals.tcsPaise, attributed, others),
  };
}

export interface TdsCredit {
  readonly kind: 'credit' | 'return';
  readonly reference: string;
  /** IST date of the credit to the supplier (the release) or of the return. */
  readonly date: string;
  readonly grossPaise: bigint;
  readonly tdsPaise: bigint;
  /** The rate applied, in percent (`0.1`, `5`), when the release recorded it. */
  readonly ratePercent: string | null;
}

export interface TdsDeductee {
  readonly supplierId: string;
  readonly supplierKind: SupplierRef['kind'];
  readonly name: string;
  /** The PAN on record, or `PANNOTAVBL` (the statement's placeholder) without one. */
  readonly pan: string;
  /** Deducted at the higher rate for want of a PAN (section 206AA; 26Q remark `C`). */
  readonly higherRate: boolean;
  readonly grossCreditedPaise: bigint;
  readonly tdsPaise: bigint;
  readonly credits: readonly TdsCredit[];
}

export interface Tds194oReturn {
  readonly period: string;
  readonly deductees: readonly TdsDeductee[];
  readonly totals: { grossCreditedPaise: bigint; tdsPaise: bigint };
  readonly reconciliation: Reconciliation;
}

/** The deductee's PAN in the statement when none was furnished. */
export const NO_PAN = 'PANNOTAVBL';

/** `0.001` → `0.1`, `0.05` → `5` (percent, exact). */
export function percentOf(rate: string): string {
  return new Decimal(rate).times(100).toString();
}

/**
 * Section 194-O for a quarter: per deductee (supplier), each amount credited (a release, at its
 * date) and each return taken back, with the TDS deducted and the rate applied; totals per deductee.
 */
export function tds194o(inputs: ReturnInputs): Tds194oReturn {
  const { suppliers } = inputs;
  const byDeductee = new Map<string, TdsCredit[]>();
  const rateOfRelease = new Map<string, string>();
  for (const m of inputs.movements) {
    if (m.kind === 'correction') continue;
    if (m.tdsRate !== undefined) rateOfRelease.set(`${m.reference}|${m.supplier.id}`, m.tdsRate);
    const rate = m.tdsRate ?? rateOfRelease.get(`${m.reference}|${m.supplier.id}`);
    const credits = byDeductee.get(m.supplier.id) ?? [];
    credits.push({
      kind: m.kind === 'supply' ? 'credit' : 'return',
      reference: m.reference,
      date: istDate(m.effectiveAtMs),
      grossPaise: m.grossPaise,
      tdsPaise: m.tdsPaise,
      ratePercent: rate === undefined ? null : percentOf(rate),
    });
    byDeductee.set(m.supplier.id, credits);
  }
  const panOf = (id: string) => suppliers.get(id)?.pan ?? NO_PAN;
  const byPan = (a: string, b: string) => panOf(a).localeCompare(panOf(b)) || a.localeCompare(b);
  const deductees = [...byDeductee.keys()].sort(byPan).map((id) => {
    const info = suppliers.get(id)!;
    const credits = byDeductee.get(id)!;
    return {
      supplierId: id,
      supplierKind: info.kind,
      name: info.name,
      pan: info.pan ?? NO_PAN,
      higherRate: info.pan === null,
      grossCreditedPaise: credits.reduce((s, c) => s + c.grossPaise, 0n),
      tdsPaise: credits.reduce((s, c) => s + c.tdsPaise, 0n),
      credits,
    };
  });
  const totals = {
    grossCreditedPaise: deductees.reduce((s, d) => s + d.grossCreditedPaise, 0n),
    tdsPaise: deductees.reduce((s, d) => s + d.tdsPaise, 0n),
  };
  const corrections = inputs.movements
    .filter((m) => m.kind === 'correction' && m.tdsPaise !== 0n)
    .map((m) => ({ key: m.entryKeys.join(' '), eventType: 'correction', amountPaise: m.tdsPaise }));
  const others = [
    ...corrections,
    ...inputs.others.map((o) => ({ key: o.key, eventType: o.eventType, amountPaise: o.tdsPaise })),
  ];
  return {
    period: inputs.period.key,
    deductees,
    totals,
    reconciliation: reconcile('liability:tax:tds', totals.tdsPaise, totals.tdsPaise, others),
  };
}
