/**
 * The returns module's SQL: the journal entries of a period that the returns read (a finance read
 * model: ledger, orders and accounts are read with joins, never written), the suppliers' GSTIN and
 * PAN, each sale's place of supply, closed periods and tax payments (the tables it owns).
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import type { Side } from '../ledger/domain/account.js';
import type { CommissionCreditNoteFacts, CommissionInvoiceFacts } from './domain/gstr1.js';
import type { ReturnType } from './domain/periods.js';
import type { Supply, SupplierInfo } from './domain/returns.js';
import type { JournalEntry } from './domain/tax-movements.js';

/** The event types a return reads (tax-movements.ts); any other entry is read if it touches a tax account. */
const RETURN_EVENTS = [
  'escrow_release',
  'release_deductions',
  'refund_clawback',
  'refund_reversal',
  'tcs_correction',
];

interface EntryRow {
  id: string;
  event_type: string;
  reference: string;
  effective_at: Date;
  metadata: Record<string, string>;
  reversal_of: string | null;
  lines: { account: string; side: Side; amount: string }[];
}

/**
 * The entries effective in [from, to) that a return reads, and the earlier entries they point at:
 * a reversal's original, a release's deductions, the releases of a reference a refund or
 * correction takes back from.
 */
export async function periodEntriesIn(
  tx: EntityManager,
  from: Date,
  to: Date,
): Promise<JournalEntry[]> {
  const { rows } = await execute<EntryRow>(
    tx,
    `WITH period AS (
       SELECT e.id, e.event_type, e.reference, e.reversal_of FROM ledger_entries e
       WHERE e.effective_at >= $1 AND e.effective_at < $2
         AND (e.event_type = ANY($3) OR EXISTS (
               SELECT 1 FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
               WHERE l.entry_id = e.id AND a.code LIKE 'liability:tax:%'))),
     wanted AS (
       SELECT id FROM period
       UNION SELECT reversal_of FROM period WHERE reversal_of IS NOT NULL
       UNION SELECT 'deductions:' || substr(id, length('release:') + 1) FROM period
             WHERE event_type = 'escrow_release'
       UNION SELECT r.id FROM ledger_entries r
             WHERE r.event_type = 'escrow_release'
               AND r.reference IN (SELECT reference FROM period
                                   WHERE event_type IN ('refund_clawback','tcs_correction','refund_reversal')))
     SELECT e.id, e.event_type, e.reference, e.effective_at, e.metadata, e.reversal_of,
            (SELECT json_agg(json_build_object('account', a.code, 'side', l.side, 'amount', l.amount::text)
                             ORDER BY l.line_no)
               FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
              WHERE l.entry_id = e.id) AS lines
     FROM ledger_entries e WHERE e.id IN (SELECT id FROM wanted)
     ORDER BY e.seq`,
    [from, to, RETURN_EVENTS],
  );
  return rows.map((r) => ({
    key: r.id,
    eventType: r.event_type,
    reference: r.reference,
    effectiveAtMs: r.effective_at.getTime(),
    metadata: r.metadata,
    ...(r.reversal_of === null ? {} : { reversalOf: r.reversal_of }),
    lines: (r.lines ?? []).map((l) => ({
      account: l.account,
      side: l.side,
      amountPaise: BigInt(l.amount),
    })),
  }));
}

/** Dealers and technicians by id: name (business name, else display name), GSTIN and PAN. */
export async function suppliersIn(
  tx: EntityManager,
  ids: readonly string[],
): Promise<Map<string, SupplierInfo>> {
  const { rows } = await execute<{
    id: string;
    role: 'dealer' | 'technician';
    name: string;
    gstin: string | null;
    pan: string | null;
  }>(
    tx,
    `SELECT id, role, coalesce(business_name, display_name) AS name, gstin, pan
     FROM users WHERE id = ANY($1::uuid[]) AND role IN ('dealer','technician')`,
    [ids],
  );
  return new Map(
    rows.map((r) => [r.id, { kind: r.role, id: r.id, name: r.name, gstin: r.gstin, pan: r.pan }]),
  );
}

/**
 * Inter-state sales among the given order references: a dealer's part of an order whose lines
 * carry IGST (its invoice's place of supply is in another state). Everything else is intra-state:
 * the other parts of orders, and repair services (performed where the technician works).
 */
export async function interStateSalesIn(
  tx: EntityManager,
  references: readonly string[],
): Promise<Set<string>> {
  const orderIds = references
    .filter((r) => r.startsWith('order:'))
    .map((r) => r.slice('order:'.length));
  if (orderIds.length === 0) return new Set();
  const { rows } = await execute<{ order_id: string; dealer_id: string }>(
    tx,
    `SELECT so.order_id, so.dealer_id FROM sub_orders so
     WHERE so.order_id = ANY($1::uuid[])
       AND EXISTS (SELECT 1 FROM order_lines l WHERE l.sub_order_id = so.id AND l.igst_paise > 0)`,
    [orderIds],
  );
  return new Set(rows.map((r) => saleKey(`order:${r.order_id}`, r.dealer_id)));
}

export function saleKey(reference: string, supplierId: string): string {
  return `${reference}|${supplierId}`;
}

export function supplyFrom(interState: ReadonlySet<string>) {
  return (reference: string, supplierId: string): Supply =>
    interState.has(saleKey(reference, supplierId)) ? 'inter_state' : 'intra_state';
}

export interface ClosedPeriodRow {
  closed_by: string;
  reason: string;
  closed_at: Date;
  snapshot: unknown;
}

export async function closedPeriodIn(
  tx: EntityManager,
  returnType: ReturnType,
  period: string,
): Promise<ClosedPeriodRow | undefined> {
  const { rows } = await execute<ClosedPeriodRow>(
    tx,
    `SELECT closed_by, reason, closed_at, snapshot FROM return_periods
     WHERE return_type = $1 AND period = $2`,
    [returnType, period],
  );
  return rows[0];
}

export interface ClosedPeriodListRow {
  return_type: ReturnType;
  period: string;
  closed_by: string;
  reason: string;
  closed_at: Date;
}

/** The closed periods, newest first (of one return type, or all). */
export async function closedPeriodsIn(
  tx: EntityManager,
  returnType: ReturnType | undefined,
): Promise<ClosedPeriodListRow[]> {
  const { rows } = await execute<ClosedPeriodListRow>(
    tx,
    `SELECT return_type, period, closed_by, reason, closed_at FROM return_periods
     WHERE $1::text IS NULL OR return_type = $1 ORDER BY closed_at DESC, return_type, period`,
    [returnType ?? null],
  );
  return rows;
}

/** Closes the period with its figures; false when it was closed already (by a concurrent close). */
export async function insertClosedPeriodIn(
  tx: EntityManager,
  row: {
    returnType: ReturnType;
    period: string;
    closedBy: string;
    reason: string;
    snapshot: unknown;
  },
): Promise<Date | undefined> {
  const { rows } = await execute<{ closed_at: Date }>(
    tx,
    `INSERT INTO return_periods (return_type, period, closed_by, reason, snapshot)
     VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING RETURNING closed_at`,
    [row.returnType, row.period, row.closedBy, row.reason, JSON.stringify(row.snapshot)],
  );
  return rows[0]?.closed_at;
}

export type Tax = 'tcs' | 'tds' | 'gst_output';

export interface TaxPaymentRow {
  id: string;
  tax: Tax;
  amount_paise: string;
  challan_reference: string;
  paid_on: string;
  bank_account_id: string;
  entry_id: string;
  created_at: Date;
}

const PAYMENT_COLUMNS = `id, tax, amount_paise::text, challan_reference, to_char(paid_on, 'YYYY-MM-DD') AS paid_on,
  bank_account_id, entry_id, created_at`;

export async function insertTaxPaymentIn(
  tx: EntityManager,
  p: {
    id: string;
    tax: Tax;
    amountPaise: bigint;
    challanReference: string;
    paidOn: string;
    bankAccountId: string;
    entryId: string;
    paidBy: string;
  },
): Promise<TaxPaymentRow | undefined> {
  const { rows } = await execute<TaxPaymentRow>(
    tx,
    `INSERT INTO tax_payments (id, tax, amount_paise, challan_reference, paid_on, bank_account_id, entry_id, paid_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tax, challan_reference) DO NOTHING
     RETURNING ${PAYMENT_COLUMNS}`,
    [
      p.id,
      p.tax,
      p.amountPaise.toString(),
      p.challanReference,
      p.paidOn,
      p.bankAccountId,
      p.entryId,
      p.paidBy,
    ],
  );
  return rows[0];
}

export async function taxPaymentsIn(
  tx: EntityManager,
  filter: { tax?: Tax; from?: Date; to?: Date },
): Promise<TaxPaymentRow[]> {
  const { rows } = await execute<TaxPaymentRow>(
    tx,
    `SELECT ${PAYMENT_COLUMNS} FROM tax_payments p
     WHERE ($1::text IS NULL OR tax = $1)
       AND ($2::timestamptz IS NULL OR EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = p.entry_id AND e.effective_at >= $2))
       AND ($3::timestamptz IS NULL OR EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = p.entry_id AND e.effective_at < $3))
     ORDER BY created_at, id`,
    [filter.tax ?? null, filter.from ?? null, filter.to ?? null],
  );
  return rows;
}

/** Credits less debits on a tax account: in [from, to) and, for the balance, everything before `to`. */
export async function taxAccountIn(
  tx: EntityManager,
  code: string,
  from: Date,
  to: Date,
): Promise<{ movementPaise: bigint; balanceAtEndPaise: bigint }> {
  const { rows } = await execute<{ movement: string; balance: string }>(
    tx,
    `SELECT coalesce(sum(CASE WHEN e.effective_at >= $2 THEN signed END), 0)::text AS movement,
            coalesce(sum(signed), 0)::text AS balance
     FROM (SELECT e.effective_at, CASE l.side WHEN 'credit' THEN l.amount ELSE -l.amount END AS signed
           FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
           JOIN ledger_entries e ON e.id = l.entry_id
           WHERE a.code = $1 AND e.effective_at < $3 AND e.kind IN ('posted','post_pending')) e`,
    [code, from, to],
  );
  return { movementPaise: BigInt(rows[0]!.movement), balanceAtEndPaise: BigInt(rows[0]!.balance) };
}

interface SupplyDocumentRow {
  recipient_id: string;
  invoice_number: string;
  invoice_date: string;
  recipient_gstin: string | null;
  recipient_name: string;
  supply: 'intra_state' | 'inter_state';
  gst_rate: string;
  taxable: string;
  igst: string;
  cgst: string;
  sgst: string;
  total: string;
}

/** An invoice's columns as `SupplyDocumentRow`, amounts from `amounts` (the invoice `i` or a note). */
const supplyDocumentColumns = (amounts: 'i' | 'n') => `
  u.id AS recipient_id, i.invoice_number, to_char(i.release_date, 'YYYY-MM-DD') AS invoice_date,
  coalesce(i.dealer_gstin, i.technician_gstin) AS recipient_gstin,
  coalesce(u.business_name, u.display_name) AS recipient_name, ${amounts}.supply,
  ${amounts}.gst_rate::text AS gst_rate, ${amounts}.taxable_value_paise::text AS taxable,
  ${amounts}.igst_paise::text AS igst, ${amounts}.cgst_paise::text AS cgst,
  ${amounts}.sgst_paise::text AS sgst, ${amounts}.total_paise::text AS total`;

const supplyDocumentOf = (r: SupplyDocumentRow): CommissionInvoiceFacts => ({
  recipientId: r.recipient_id,
  invoiceNumber: r.invoice_number,
  invoiceDate: r.invoice_date,
  recipientGstin: r.recipient_gstin,
  recipientName: r.recipient_name,
  supply: r.supply,
  gstRate: r.gst_rate,
  taxableValuePaise: BigInt(r.taxable),
  igstPaise: BigInt(r.igst),
  cgstPaise: BigInt(r.cgst),
  sgstPaise: BigInt(r.sgst),
  totalPaise: BigInt(r.total),
});

/** The commission invoices dated in [fromDate, toDate) (IST dates), with their recipient, in number order. */
export async function commissionInvoicesIn(
  tx: EntityManager,
  fromDate: string,
  toDate: string,
): Promise<CommissionInvoiceFacts[]> {
  const { rows } = await execute<SupplyDocumentRow>(
    tx,
    `SELECT ${supplyDocumentColumns('i')}
     FROM commission_invoices i JOIN users u ON u.id = coalesce(i.dealer_id, i.technician_id)
     WHERE i.release_date >= $1::date AND i.release_date < $2::date
     ORDER BY i.financial_year, i.seq`,
    [fromDate, toDate],
  );
  return rows.map(supplyDocumentOf);
}

/**
 * The credit notes for commission given back dated in [fromDate, toDate) (IST dates), with the
 * invoice each reduces and its recipient, in number order.
 */
export async function commissionCreditNotesIn(
  tx: EntityManager,
  fromDate: string,
  toDate: string,
): Promise<CommissionCreditNoteFacts[]> {
  const { rows } = await execute<
    SupplyDocumentRow & { note_number: string; note_date: string; ledger_entry_key: string }
  >(
    tx,
    `SELECT ${supplyDocumentColumns('n')}, n.note_number,
            to_char(n.note_date, 'YYYY-MM-DD') AS note_date, n.ledger_entry_key
     FROM commission_credit_notes n
     JOIN commission_invoices i ON i.id = n.invoice_id
     JOIN users u ON u.id = coalesce(i.dealer_id, i.technician_id)
     WHERE n.note_date >= $1::date AND n.note_date < $2::date
     ORDER BY n.financial_year, n.seq`,
    [fromDate, toDate],
  );
  return rows.map((r) => ({
    ...supplyDocumentOf(r),
    noteNumber: r.note_number,
    noteDate: r.note_date,
    ledgerEntryKey: r.ledger_entry_key,
  }));
}

/** A registered recipient's details for its e-invoices. */
export interface EInvoiceBuyer {
  payeeKind: 'dealer' | 'technician';
  /** Its business name, else its approved settlement details' beneficiary, else its display name. */
  legalName: string;
  /** Its registered address in its approved settlement details, else its pickup address; null when neither. */
  address: { line1?: string; line2?: string; city?: string; pincode?: string } | null;
}

/** The e-invoice details of each recipient (dealer or technician) of `ids`, by id. */
export async function eInvoiceBuyersIn(
  tx: EntityManager,
  ids: readonly string[],
): Promise<Map<string, EInvoiceBuyer>> {
  const { rows } = await execute<{
    id: string;
    role: EInvoiceBuyer['payeeKind'];
    legal_name: string;
    address: EInvoiceBuyer['address'];
  }>(
    tx,
    `SELECT u.id, u.role, coalesce(u.business_name, s.beneficiary_name, u.display_name) AS legal_name,
            coalesce(s.registered_address, u.pickup_address) AS address
     FROM users u
     LEFT JOIN LATERAL (
       SELECT beneficiary_name, registered_address FROM payee_settlement_details d
        WHERE d.payee_id = u.id AND d.review_status = 'approved'
        ORDER BY d.submitted_at DESC LIMIT 1) s ON true
     WHERE u.id = ANY($1::uuid[])`,
    [[...new Set(ids)]],
  );
  return new Map(
    rows.map((r) => [r.id, { payeeKind: r.role, legalName: r.legal_name, address: r.address }]),
  );
}
