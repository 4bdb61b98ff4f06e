/**
 * Statutory returns for finance, the CFO and compliance: GSTR-8 per month and 194-O per quarter,
 * computed from the journal (domain/), reconciled to the tax accounts; periods closed by finance
 * (figures frozen in `return_periods`); payments of collected tax to the government posted to the
 * ledger with their challan.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { idempotent, type IdempotentResult } from '../database/idempotency.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { Accounts } from '../ledger/domain/account.js';
import { credit, debit } from '../ledger/domain/journal.js';
import { exactNumber } from '../ledger/read/ledger-read.mapper.js';
import { LedgerService } from '../ledger/persistence/ledger.service.js';
import { type Period, parsePeriod, type ReturnType } from './domain/periods.js';
import { gstr8, type ReturnInputs, tds194o } from './domain/returns.js';
import { type JournalEntry, movementsOf } from './domain/tax-movements.js';
import {
  type CommissionCreditNoteFacts,
  type CommissionInvoiceFacts,
  gstOutputReconciliation,
  gstr1,
} from './domain/gstr1.js';
import {
  EInvoiceDataError,
  type EInvoiceDocument,
  eInvoiceJson,
  type EInvoiceParty,
} from './domain/e-invoice.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { istDate } from '../ledger/domain/rates.js';
import {
  closedPeriodIn,
  closedPeriodsIn,
  commissionCreditNotesIn,
  commissionInvoicesIn,
  eInvoiceBuyersIn,
  type EInvoiceBuyer,
  insertClosedPeriodIn,
  insertTaxPaymentIn,
  interStateSalesIn,
  periodEntriesIn,
  suppliersIn,
  supplyFrom,
  type Tax,
  taxAccountIn,
  taxPaymentsIn,
  type TaxPaymentRow,
} from './returns-store.js';

const TAX_ACCOUNT: Record<Tax, string> = {
  tcs: Accounts.tcs,
  tds: Accounts.tds,
  gst_output: Accounts.gstOutput,
};
const TAX_OF: Record<ReturnType, Tax> = { gstr8: 'tcs', gstr1: 'gst_output', tds194o: 'tds' };

/** bigints as exact JSON numbers (integer paise), recursively; other values as they are. */
export function jsonNumbers(value: unknown, what = 'amount'): unknown {
  if (typeof value === 'bigint') return exactNumber(value, what);
  if (Array.isArray(value)) return value.map((v) => jsonNumbers(v, what));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonNumbers(v, k)]));
  }
  return value;
}

export interface ReturnReport {
  returnType: ReturnType;
  period: string;
  status: 'open' | 'closed';
  closedAt: string | null;
  /** When the figures were computed (the close, for a closed period). */
  computedAt: string;
  /** The return's figures (GSTR-8 or 194-O), integer paise. */
  figures: Record<string, unknown>;
  /** The tax account beside the return: its movement in the period, payments, balance at the end. */
  account: {
    code: string;
    movementPaise: number;
    paymentsPaise: number;
    balanceAtEndPaise: number;
  };
}

export function periodOrProblem(returnType: ReturnType, key: string): Period {
  const period = parsePeriod(returnType, key);
  if (period === undefined) {
    throw new AppProblem(
      400,
      'returns/invalid-period',
      'Invalid period',
      returnType === 'tds194o'
        ? 'A 194-O period is a financial-year quarter, e.g. 2026-27-Q3'
        : 'A GST return period is a month, e.g. 2026-11',
      { errors: [{ field: 'period', message: 'not a period of this return' }] },
    );
  }
  return period;
}

@Injectable()
export class ReturnsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * GSTR-1 of the month: the commission invoices and credit notes dated in it, beside
   * liability:tax:gst_output.
   */
  private async gstr1In(tx: EntityManager, period: Period, entries: readonly JournalEntry[]) {
    const [from, to] = [istDate(period.fromMs), istDate(period.toMs)];
    const invoices = await commissionInvoicesIn(tx, from, to);
    const creditNotes = await commissionCreditNotesIn(tx, from, to);
    const figures = gstr1(invoices, creditNotes);
    return {
      period: period.key,
      ...figures,
      reconciliation: gstOutputReconciliation(
        entries,
        period.fromMs,
        period.toMs,
        figures.totals.gstPaise,
        new Set(creditNotes.map((n) => n.ledgerEntryKey)),
      ),
    };
  }

  /** The inputs of a return for the period, read in the caller's transaction. */
  private async inputsIn(
    tx: EntityManager,
    period: Period,
    entries: readonly JournalEntry[],
  ): Promise<ReturnInputs> {
    const { movements, others } = movementsOf(entries, period.fromMs, period.toMs);
    const suppliers = await suppliersIn(tx, [...new Set(movements.map((m) => m.supplier.id))]);
    const interState = await interStateSalesIn(tx, [...new Set(movements.map((m) => m.reference))]);
    return { period, movements, others, suppliers, supplyOf: supplyFrom(interState) };
  }

  private async computeIn(
    tx: EntityManager,
    returnType: ReturnType,
    period: Period,
  ): Promise<Omit<ReturnReport, 'status' | 'closedAt'>> {
    const entries = await periodEntriesIn(tx, new Date(period.fromMs), new Date(period.toMs));
    const inputs = await this.inputsIn(tx, period, entries);
    const figures =
      returnType === 'gstr8'
        ? gstr8(inputs)
        : returnType === 'tds194o'
          ? tds194o(inputs)
          : await this.gstr1In(tx, period, entries);
    const tax = TAX_OF[returnType];
    const code = TAX_ACCOUNT[tax];
    const account = await taxAccountIn(tx, code, new Date(period.fromMs), new Date(period.toMs));
    const paid = inputs.others
      .filter((o) => o.eventType === 'tax_payment')
      .reduce(
        (s, o) => s - (tax === 'tcs' ? o.tcsPaise : tax === 'tds' ? o.tdsPaise : o.gstOutputPaise),
        0n,
      );
    return {
      returnType,
      period: period.key,
      computedAt: new Date().toISOString(),
      figures: jsonNumbers(figures) as Record<string, unknown>,
      account: {
        code,
        movementPaise: exactNumber(account.movementPaise, 'movementPaise'),
        paymentsPaise: exactNumber(paid, 'paymentsPaise'),
        balanceAtEndPaise: exactNumber(account.balanceAtEndPaise, 'balanceAtEndPaise'),
      },
    };
  }

  /** The return for the period: its frozen figures once closed, else computed now. */
  async report(returnType: ReturnType, key: string): Promise<ReturnReport> {
    const period = periodOrProblem(returnType, key);
    return this.transactions.run(async (tx) => {
      const closed = await closedPeriodIn(tx, returnType, period.key);
      if (closed !== undefined) {
        return {
          ...(closed.snapshot as Omit<ReturnReport, 'status' | 'closedAt'>),
          status: 'closed',
          closedAt: closed.closed_at.toISOString(),
        };
      }
      return { ...(await this.computeIn(tx, returnType, period)), status: 'open', closedAt: null };
    }, 'REPEATABLE READ');
  }

  /** A report read for an export, the export audited in the same transaction. */
  async exportReport(
    returnType: ReturnType,
    key: string,
    format: string,
    meta: RequestMeta,
  ): Promise<ReturnReport> {
    const report = await this.report(returnType, key);
    await this.transactions.run((tx) =>
      this.audit.record(tx, meta, {
        action: 'returns.export',
        targetType: 'return_periods',
        targetId: `${returnType}:${report.period}`,
        after: { returnType, period: report.period, format, status: report.status },
      }),
    );
    return report;
  }

  /**
   * The month's e-invoices (IRP schema 1.1, `eInvoiceJson`): every commission invoice and credit note
   * dated in it to a recipient with a GSTIN, invoices first, each in number order; the platform as
   * the seller (`PLATFORM_*`). Audited as an export (`format: e-invoice`). A document the IRP would
   * refuse (a recipient with no address on record, say) stops the export: 409
   * `returns/e-invoice-incomplete` naming each document and field.
   */
  async eInvoices(key: string, meta: RequestMeta): Promise<Record<string, unknown>[]> {
    const period = periodOrProblem('gstr1', key);
    const documents = await this.transactions.run(async (tx) => {
      const [from, to] = [istDate(period.fromMs), istDate(period.toMs)];
      const registered = <T extends CommissionInvoiceFacts>(list: T[]) =>
        list.filter((d) => d.recipientGstin !== null);
      const invoices = registered(await commissionInvoicesIn(tx, from, to));
      const notes = registered(await commissionCreditNotesIn(tx, from, to));
      const buyers = await eInvoiceBuyersIn(
        tx,
        [...invoices, ...notes].map((d) => d.recipientId),
      );
      const seller: EInvoiceParty = {
        gstin: this.config.commission.platformGstin,
        legalName: this.config.platform.legalName,
        address1: this.config.platform.address,
        address2: null,
        location: this.config.platform.city,
        pincode: this.config.platform.pincode,
        stateCode: this.config.commission.platformGstin.slice(0, 2),
      };
      const errors: { field: string; message: string }[] = [];
      const out: Record<string, unknown>[] = [];
      for (const d of [...invoices, ...notes]) {
        try {
          out.push(eInvoiceJson(eInvoiceDocument(seller, buyers.get(d.recipientId)!, d)));
        } catch (err) {
          if (!(err instanceof EInvoiceDataError)) throw err;
          const number = 'noteNumber' in d ? d.noteNumber : d.invoiceNumber;
          errors.push({ field: `${number} ${err.field}`, message: err.message });
        }
      }
      if (errors.length > 0) {
        throw new AppProblem(
          409,
          'returns/e-invoice-incomplete',
          'Documents the IRP would refuse',
          `${errors.length} document field(s) cannot be e-invoiced as recorded`,
          { errors },
        );
      }
      return out;
    }, 'REPEATABLE READ');
    // Audited as the other exports, in a transaction of its own (READ COMMITTED: the audit chain
    // appends at its head).
    await this.transactions.run((tx) =>
      this.audit.record(tx, meta, {
        action: 'returns.export',
        targetType: 'return_periods',
        targetId: `gstr1:${period.key}`,
        after: {
          returnType: 'gstr1',
          period: period.key,
          format: 'e-invoice',
          documents: documents.length,
        },
      }),
    );
    return documents;
  }

  /**
   * Finance closes a period that has ended: its figures are computed and frozen, audited
   * (`returns.period.close`). 409 `returns/period-not-ended` before its end and for
   * RETURNS_CLOSE_GRACE_MINUTES after it, 409 `returns/period-closed` when closed already.
   *
   * The grace is what keeps a frozen period whole: an entry is dated by the database clock at its
   * statement, so a posting transaction running at the period's end can still commit an entry dated
   * in it after the end; the close reads one snapshot, which would miss it, and the next period does
   * not report it (it is dated in this one). After the grace, every such transaction has ended.
   */
  async close(
    returnType: ReturnType,
    key: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<ReturnReport> {
    const period = periodOrProblem(returnType, key);
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<{ now: Date }>(tx, 'SELECT now() AS now');
      const now = rows[0]!.now.getTime();
      const closableMs = period.toMs + this.config.returns.closeGraceMinutes * 60_000;
      if (now < closableMs) {
        throw new AppProblem(
          409,
          'returns/period-not-ended',
          'Period not ended',
          `The period ${period.key} ends at ${new Date(period.toMs).toISOString()}; it can be closed from ${new Date(closableMs).toISOString()}, when every posting dated in it has committed`,
        );
      }
      const figures = await this.computeIn(tx, returnType, period);
      const closedAt = await insertClosedPeriodIn(tx, {
        returnType,
        period: period.key,
        closedBy: meta.principal!.userId,
        reason,
        snapshot: figures,
      });
      if (closedAt === undefined) {
        throw new AppProblem(
          409,
          'returns/period-closed',
          'Period closed',
          `The ${returnType} period ${period.key} is closed; corrections are amendments of a later period`,
        );
      }
      await this.audit.record(tx, meta, {
        action: 'returns.period.close',
        targetType: 'return_periods',
        targetId: `${returnType}:${period.key}`,
        reason,
        after: { returnType, period: period.key, figures: figures.figures },
      });
      return { ...figures, status: 'closed' as const, closedAt: closedAt.toISOString() };
    });
  }

  /**
   * A payment of collected tax to the government: Dr the tax liability / Cr the bank
   * (`tax_payment:<id>`), with its challan reference, audited (`returns.tax_payment`). Same
   * Idempotency-Key and body → the same answer; a challan already recorded for the tax → 409.
   */
  async payTax(
    input: {
      tax: Tax;
      amountPaise: number;
      challanReference: string;
      paidOn: string;
      bankAccountId: string;
      reason: string;
    },
    idempotencyKey: string,
    meta: RequestMeta,
  ): Promise<IdempotentResult<TaxPaymentView>> {
    const principal = meta.principal!;
    return this.transactions.run((tx) =>
      idempotent(
        tx,
        {
          ownerId: principal.userId,
          scope: 'returns.tax-payment',
          key: idempotencyKey,
          request: input,
        },
        async () => {
          const id = randomUUID();
          const entryId = `tax_payment:${id}`;
          const liability = TAX_ACCOUNT[input.tax];
          const bank = Accounts.bank(input.bankAccountId);
          const amount = BigInt(input.amountPaise);
          await this.ledger.postIn(
            tx,
            {
              type: 'post',
              key: entryId,
              lines: [debit(liability, amount), credit(bank, amount)],
              meta: {
                eventType: 'tax_payment',
                reference: `challan:${input.challanReference}`,
                actor: principal.userId,
                metadata: {
                  tax: input.tax,
                  challanReference: input.challanReference,
                  paidOn: input.paidOn,
                },
              },
            },
            {
              what: `the ${input.tax} payment of challan ${input.challanReference}`,
              open: [liability, bank],
            },
          );
          const row = await insertTaxPaymentIn(tx, {
            id,
            tax: input.tax,
            amountPaise: amount,
            challanReference: input.challanReference,
            paidOn: input.paidOn,
            bankAccountId: input.bankAccountId,
            entryId,
            paidBy: principal.userId,
          });
          if (row === undefined) {
            throw new AppProblem(
              409,
              'returns/challan-recorded',
              'Challan already recorded',
              `A ${input.tax} payment with challan ${input.challanReference} is already recorded`,
            );
          }
          await this.audit.record(tx, meta, {
            action: 'returns.tax_payment',
            targetType: 'tax_payments',
            targetId: id,
            reason: input.reason,
            after: { ...input, entryId },
          });
          return paymentView(row);
        },
      ),
    );
  }

  /** One deductee's 194-O figures for a quarter (none credited: zero and no credits). */
  async deducteeStatement(userId: string, key: string): Promise<DeducteeStatement> {
    const report = await this.report('tds194o', key);
    const deductees = report.figures.deductees as DeducteeFigures[];
    return {
      period: report.period,
      status: report.status,
      deductee: deductees.find((d) => d.supplierId === userId) ?? null,
    };
  }

  /** The periods finance closed, newest first. */
  async closedPeriods(returnType: ReturnType | undefined): Promise<ClosedPeriodView[]> {
    return this.transactions.run(async (tx) =>
      (await closedPeriodsIn(tx, returnType)).map((r) => ({
        returnType: r.return_type,
        period: r.period,
        closedBy: r.closed_by,
        reason: r.reason,
        closedAt: r.closed_at.toISOString(),
      })),
    );
  }

  async payments(tax: Tax | undefined): Promise<TaxPaymentView[]> {
    return this.transactions.run(async (tx) => (await taxPaymentsIn(tx, { tax })).map(paymentView));
  }
}

export interface DeducteeFigures {
  supplierId: string;
  supplierKind: 'dealer' | 'technician';
  name: string;
  pan: string;
  higherRate: boolean;
  grossCreditedPaise: number;
  tdsPaise: number;
  credits: {
    kind: 'credit' | 'return';
    reference: string;
    date: string;
    grossPaise: number;
    tdsPaise: number;
    ratePercent: string | null;
  }[];
}

export interface DeducteeStatement {
  period: string;
  status: 'open' | 'closed';
  deductee: DeducteeFigures | null;
}

export interface ClosedPeriodView {
  returnType: ReturnType;
  period: string;
  closedBy: string;
  reason: string;
  closedAt: string;
}

export interface TaxPaymentView {
  id: string;
  tax: Tax;
  amountPaise: number;
  challanReference: string;
  paidOn: string;
  bankAccountId: string;
  entryId: string;
  createdAt: string;
}

function paymentView(r: TaxPaymentRow): TaxPaymentView {
  return {
    id: r.id,
    tax: r.tax,
    amountPaise: exactNumber(BigInt(r.amount_paise), 'amountPaise'),
    challanReference: r.challan_reference,
    paidOn: r.paid_on,
    bankAccountId: r.bank_account_id,
    entryId: r.entry_id,
    createdAt: r.created_at.toISOString(),
  };
}

/** Services accounting code of the platform's commission and service fee: other support services n.e.c. */
const COMMISSION_SAC = '998599';
const DESCRIPTION: Record<EInvoiceBuyer['payeeKind'], string> = {
  dealer: 'Commission on parts sold through FixBazaar',
  technician: 'FixBazaar service fee on repair jobs',
};

/**
 * The e-invoice of a commission invoice or credit note to `buyer`: its address as recorded (line 1,
 * line 2, city, PIN code), its state code its GSTIN's; a credit note refers to the invoice it reduces.
 */
function eInvoiceDocument(
  seller: EInvoiceParty,
  buyer: EInvoiceBuyer,
  d: CommissionInvoiceFacts | CommissionCreditNoteFacts,
): EInvoiceDocument {
  const a = buyer.address;
  if (a === null)
    throw new EInvoiceDataError('buyer.address1', 'the recipient has no address on record');
  const note = 'noteNumber' in d ? d : undefined;
  return {
    type: note === undefined ? 'INV' : 'CRN',
    number: note?.noteNumber ?? d.invoiceNumber,
    date: note?.noteDate ?? d.invoiceDate,
    seller,
    buyer: {
      gstin: d.recipientGstin!,
      legalName: buyer.legalName,
      address1: a.line1 ?? '',
      address2: a.line2 === undefined || a.line2 === '' ? null : a.line2,
      location: a.city ?? '',
      pincode: a.pincode ?? '',
      stateCode: d.recipientGstin!.slice(0, 2),
    },
    supply: d.supply,
    gstRate: d.gstRate,
    description: DESCRIPTION[buyer.payeeKind],
    sac: COMMISSION_SAC,
    taxableValuePaise: d.taxableValuePaise,
    igstPaise: d.igstPaise,
    cgstPaise: d.cgstPaise,
    sgstPaise: d.sgstPaise,
    totalPaise: d.totalPaise,
    ...(note === undefined
      ? {}
      : { precedingInvoice: { number: d.invoiceNumber, date: d.invoiceDate } }),
  };
}
