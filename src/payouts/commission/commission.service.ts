/**
 * Commission configured by finance (issue #6), and the GST tax invoice data of each release.
 *
 * Rules (`commission_rules`, append-only): scope `default`, `category`, or `dealer` (optionally with a
 * category); channel `b2b`, `b2c` or `any`; a rate effective from an IST date. For a sub-order released
 * on IST date D, the rule applied is the most specific one — dealer + category > dealer > category >
 * default, then a channel-specific rule > `any` — and among those of that specificity the latest
 * `effective_from` ≤ D (then the latest created). With no rule in force the rate comes from
 * ledger-spec/rates.json `commission.parts`. A sub-order's category is the category of its largest
 * line by value, cancelled lines left out (ties: the first line): one rate per sub-order, no blending.
 *
 * Invoices (`commission_invoices`, append-only): every release writes one in its transaction, numbered
 * `FB/<FY>/<6 digits>` from the financial year's counter row (Indian FY, April–March, of the release's
 * IST date). The counter row is taken by an upsert that locks it (like SELECT … FOR UPDATE) until
 * the release commits, so numbers are gapless: a rolled-back release gives its number back. The
 * taxable value is the commission; GST on it (as the ledger withheld it) is CGST + SGST when the
 * platform's GSTIN (PLATFORM_GSTIN) and the dealer's are in the same state, else IGST.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import type { RequestMeta } from '../../common/request-meta.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { taxProfileIn } from '../../identity/tax-profile.js';
import { commissionTermsOf } from '../../orders/sale-terms.js';
import { TransactionRunner } from '../../database/transaction.js';
import { Decimal } from '../../ledger/domain/money.js';
import { istDate, rateFrom, scheduleNamed, type RateBook } from '../../ledger/domain/rates.js';
import { loadRateBook } from '../../ledger/ledger-spec-files.js';
import { gstStateCodeOf, INDIAN_STATES, type IndianState } from '../../common/indian-states.js';
import {
  creditNoteNumber,
  financialYear,
  gstinStateCode,
  invoiceNumber,
  splitBySupply,
  splitGst,
  splitGstByState,
  type GstSplit,
} from './commission-invoice.js';
import type {
  CommissionChannel,
  CommissionCreditNoteDto,
  CommissionInvoiceDto,
  CommissionInvoicePageDto,
  CommissionInvoiceQueryDto,
  CommissionRuleDto,
  CommissionRuleQueryDto,
  CommissionRulesInForceDto,
  CommissionScope,
  CreateCommissionRuleDto,
  ResolvedCommissionDto,
} from './commission.dto.js';
import { REPAIR_SERVICE } from './commission.dto.js';

interface RuleRow {
  id: string;
  scope: CommissionScope;
  category: string | null;
  dealer_id: string | null;
  channel: CommissionChannel;
  rate: string;
  effective_from: string;
  created_by: string;
  reason: string;
  created_at: Date;
}

interface InvoiceRow {
  id: string;
  invoice_number: string;
  financial_year: string;
  sub_order_id: string | null;
  order_id: string | null;
  dealer_id: string | null;
  dealer_gstin: string | null;
  repair_job_id: string | null;
  technician_id: string | null;
  technician_gstin: string | null;
  platform_gstin: string;
  supply: 'intra_state' | 'inter_state';
  channel: 'b2b' | 'b2c';
  category: string | null;
  commission_rate: string;
  rule_id: string | null;
  taxable_value_paise: string;
  gst_rate: string;
  cgst_paise: string;
  sgst_paise: string;
  igst_paise: string;
  total_paise: string;
  release_date: string;
  created_at: Date;
  seq: number;
  credit_notes: CommissionCreditNoteDto[];
}

/** The commission of one release: the rate, and the rule it came from (null: rates.json). */
export interface CommissionChoice {
  rate: Decimal;
  ruleId: string | null;
  channel: 'b2b' | 'b2c';
  category: string | null;
}

/** A release's invoice: a sub-order's to its dealer, or a repair job's (its service fee) to its technician. */
export type InvoiceInput = (
  | { subOrderId: string; orderId: string; dealerId: string }
  | { repairJobId: string; technicianId: string }
) & {
  releaseDate: string;
  choice: CommissionChoice;
  commissionPaise: bigint;
  gstOnCommissionPaise: bigint;
  gstRate: Decimal;
};

/** Commission given back by a refund after release, against the release's invoice. */
export interface CreditNoteInput {
  /** The invoice's subject: a sub-order, or a repair job (one service-fee invoice per job). */
  invoice: { subOrderId: string } | { repairJobId: string };
  refundId: string;
  /** The ledger entry that gives the GST back (debits liability:tax:gst_output); the note's date is its IST date. */
  ledgerEntryKey: string;
  noteDate: string;
  commissionPaise: bigint;
  gstOnCommissionPaise: bigint;
}

/** Who an invoice is issued to: the columns naming its subject and recipient, and the GST split. */
interface InvoiceRecipient {
  subOrderId: string | null;
  orderId: string | null;
  dealerId: string | null;
  dealerGstin: string | null;
  repairJobId: string | null;
  technicianId: string | null;
  technicianGstin: string | null;
  split: GstSplit;
}

/** The rates.json schedule used when no rule is in force (the release's PARTS_RATES.commission). */
export const PARTS_COMMISSION_SCHEDULE = 'commission.parts';

const RULE_COLUMNS = `id::text AS id, scope, category, dealer_id::text AS dealer_id, channel,
  rate::text AS rate, to_char(effective_from, 'YYYY-MM-DD') AS effective_from,
  created_by::text AS created_by, reason, created_at`;
const INVOICE_COLUMNS = `id::text AS id, invoice_number, financial_year, seq, sub_order_id::text AS sub_order_id,
  order_id::text AS order_id, dealer_id::text AS dealer_id, dealer_gstin,
  repair_job_id::text AS repair_job_id, technician_id::text AS technician_id, technician_gstin,
  platform_gstin, supply, channel,
  category, commission_rate::text AS commission_rate, rule_id::text AS rule_id,
  taxable_value_paise::text AS taxable_value_paise, gst_rate::text AS gst_rate, cgst_paise::text AS cgst_paise,
  sgst_paise::text AS sgst_paise, igst_paise::text AS igst_paise, total_paise::text AS total_paise,
  to_char(release_date, 'YYYY-MM-DD') AS release_date, created_at,
  (SELECT coalesce(json_agg(json_build_object('noteNumber', n.note_number,
            'noteDate', to_char(n.note_date, 'YYYY-MM-DD'), 'refundId', n.refund_id,
            'taxableValuePaise', n.taxable_value_paise, 'cgstPaise', n.cgst_paise,
            'sgstPaise', n.sgst_paise, 'igstPaise', n.igst_paise, 'totalPaise', n.total_paise)
          ORDER BY n.financial_year, n.seq), '[]')
     FROM commission_credit_notes n WHERE n.invoice_id = commission_invoices.id) AS credit_notes`;
/** Specificity: dealer + category 4, dealer 3, category 2, default 1. */
const SPECIFICITY = `CASE WHEN scope = 'dealer' AND category IS NOT NULL THEN 4 WHEN scope = 'dealer' THEN 3
  WHEN scope = 'category' THEN 2 ELSE 1 END`;

const ruleDto = (r: RuleRow): CommissionRuleDto => ({
  id: r.id,
  scope: r.scope,
  category: r.category,
  dealerId: r.dealer_id,
  channel: r.channel,
  rate: new Decimal(r.rate).toString(),
  effectiveFrom: r.effective_from,
  createdBy: r.created_by,
  reason: r.reason,
  createdAt: r.created_at.toISOString(),
});

const invoiceDto = (r: InvoiceRow): CommissionInvoiceDto => ({
  id: r.id,
  invoiceNumber: r.invoice_number,
  financialYear: r.financial_year,
  subOrderId: r.sub_order_id,
  orderId: r.order_id,
  dealerId: r.dealer_id,
  dealerGstin: r.dealer_gstin,
  repairJobId: r.repair_job_id,
  technicianId: r.technician_id,
  technicianGstin: r.technician_gstin,
  platformGstin: r.platform_gstin,
  supply: r.supply,
  channel: r.channel,
  category: r.category,
  commissionRate: new Decimal(r.commission_rate).toString(),
  ruleId: r.rule_id,
  taxableValuePaise: Number(r.taxable_value_paise),
  gstRate: new Decimal(r.gst_rate).toString(),
  cgstPaise: Number(r.cgst_paise),
  sgstPaise: Number(r.sgst_paise),
  igstPaise: Number(r.igst_paise),
  totalPaise: Number(r.total_paise),
  releaseDate: r.release_date,
  createdAt: r.created_at.toISOString(),
  creditNotes: r.credit_notes,
});

/**
 * The next number of a financial year's series (its counter row locked until the caller's
 * transaction ends, so numbers are gapless within the year).
 */
async function nextNumberIn(
  tx: EntityManager,
  counters: 'commission_invoice_counters' | 'commission_credit_note_counters',
  fy: string,
): Promise<number> {
  const { rows } = await execute<{ last_seq: number }>(
    tx,
    `INSERT INTO ${counters} (financial_year, last_seq) VALUES ($1, 1)
     ON CONFLICT (financial_year) DO UPDATE SET last_seq = ${counters}.last_seq + 1
     RETURNING last_seq`,
    [fy],
  );
  return rows[0]!.last_seq;
}

const invalid = (code: string, detail: string) =>
  new AppProblem(400, `commission/${code}`, 'Bad request', detail);

@Injectable()
export class CommissionService {
  /**
   * Tests only: the IST date releases use instead of the database clock's (to release into another
   * financial year). Undefined in production.
   */
  releaseDateOverride: string | undefined;
  private rateBook: RateBook | undefined;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The IST date of a release at `epochMs` (the database clock). */
  releaseDate(epochMs: number): string {
    return this.releaseDateOverride ?? istDate(epochMs);
  }

  /** The rule in force for a sale, or undefined (rates.json applies). */
  private async ruleInForce(
    tx: EntityManager,
    dealerId: string | null,
    category: string | null,
    channel: 'b2b' | 'b2c',
    onDate: string,
  ): Promise<RuleRow | undefined> {
    const { rows } = await execute<RuleRow>(
      tx,
      `SELECT ${RULE_COLUMNS} FROM commission_rules
       WHERE effective_from <= $4::date AND channel IN ($3, 'any')
         AND (scope = 'default'
              OR (scope = 'category' AND category = $2)
              OR (scope = 'dealer' AND dealer_id = $1 AND (category IS NULL OR category = $2)))
       ORDER BY ${SPECIFICITY} DESC, (channel <> 'any') DESC, effective_from DESC, created_at DESC, id
       LIMIT 1`,
      [dealerId, category, channel, onDate],
    );
    return rows[0];
  }

  /**
   * The commission of a sub-order released on `onDate`, in the release's transaction: the rule in
   * force for its dealer, category (its largest line's) and channel (the order's), else `fallback`
   * (rates.json `commission.parts`).
   */
  async chooseIn(
    tx: EntityManager,
    subOrderId: string,
    onDate: string,
    fallback: Decimal,
  ): Promise<CommissionChoice> {
    const sub = await commissionTermsOf(tx, subOrderId);
    if (sub === undefined) throw new Error(`no sub-order ${subOrderId}`);
    const rule = await this.ruleInForce(tx, sub.dealerId, sub.category, sub.channel, onDate);
    return {
      rate: rule === undefined ? fallback : new Decimal(rule.rate),
      ruleId: rule?.id ?? null,
      channel: sub.channel,
      category: sub.category,
    };
  }

  /**
   * The commission of a repair job released on `onDate`: the `repair_service` category rule in force
   * (B2C, or `any`), else `fallback` (rates.json `commission.repairs`). Default rules are the parts'
   * and do not apply to repairs.
   */
  async chooseRepairIn(
    tx: EntityManager,
    onDate: string,
    fallback: Decimal,
  ): Promise<CommissionChoice> {
    const { rows } = await execute<RuleRow>(
      tx,
      `SELECT ${RULE_COLUMNS} FROM commission_rules
       WHERE scope = 'category' AND category = '${REPAIR_SERVICE}' AND channel IN ('b2c', 'any')
         AND effective_from <= $1::date
       ORDER BY (channel <> 'any') DESC, effective_from DESC, created_at DESC, id
       LIMIT 1`,
      [onDate],
    );
    const rule = rows[0];
    return {
      rate: rule === undefined ? fallback : new Decimal(rule.rate),
      ruleId: rule?.id ?? null,
      channel: 'b2c',
      category: REPAIR_SERVICE,
    };
  }

  /** Writes the release's commission invoice in its transaction, with the next number of its FY. */
  async writeInvoiceIn(tx: EntityManager, input: InvoiceInput): Promise<string> {
    const fy = financialYear(input.releaseDate);
    const seq = await nextNumberIn(tx, 'commission_invoice_counters', fy);
    const number = invoiceNumber(fy, seq);
    const platformGstin = this.config.commission.platformGstin;
    const to = await this.recipientIn(tx, input, platformGstin);
    await execute(
      tx,
      `INSERT INTO commission_invoices (invoice_number, financial_year, seq, sub_order_id, order_id, dealer_id,
         dealer_gstin, platform_gstin, supply, channel, category, commission_rate, rule_id, taxable_value_paise,
         gst_rate, cgst_paise, sgst_paise, igst_paise, total_paise, release_date, repair_job_id,
         technician_id, technician_gstin)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)`,
      [
        number,
        fy,
        seq,
        to.subOrderId,
        to.orderId,
        to.dealerId,
        to.dealerGstin,
        platformGstin,
        to.split.supply,
        input.choice.channel,
        input.choice.category,
        input.choice.rate.toString(),
        input.choice.ruleId,
        input.commissionPaise.toString(),
        input.gstRate.toString(),
        to.split.cgstPaise.toString(),
        to.split.sgstPaise.toString(),
        to.split.igstPaise.toString(),
        (input.commissionPaise + input.gstOnCommissionPaise).toString(),
        input.releaseDate,
        to.repairJobId,
        to.technicianId,
        to.technicianGstin,
      ],
    );
    return number;
  }

  /**
   * The credit note for commission given back by a refund after release (CGST Act §34), in the
   * caller's transaction (the one posting the refund): against the release's invoice, its supply
   * placed as the invoice's, numbered gapless per financial year in a series of its own
   * (`CN/<yy-yy>/<7 digits>`). Undefined when the refund gives back nothing of the commission.
   */
  async writeCreditNoteIn(tx: EntityManager, input: CreditNoteInput): Promise<string | undefined> {
    if (input.commissionPaise + input.gstOnCommissionPaise === 0n) return undefined;
    const [column, subject] =
      'subOrderId' in input.invoice
        ? (['sub_order_id', input.invoice.subOrderId] as const)
        : (['repair_job_id', input.invoice.repairJobId] as const);
    const { rows: invoices } = await execute<{
      id: string;
      supply: GstSplit['supply'];
      gst_rate: string;
    }>(
      tx,
      `SELECT id, supply, gst_rate::text AS gst_rate FROM commission_invoices WHERE ${column} = $1`,
      [subject],
    );
    const invoice = invoices[0];
    if (invoice === undefined) throw new Error(`no commission invoice for ${column} ${subject}`);
    const fy = financialYear(input.noteDate);
    const seq = await nextNumberIn(tx, 'commission_credit_note_counters', fy);
    const number = creditNoteNumber(fy, seq);
    const split = splitBySupply(input.gstOnCommissionPaise, invoice.supply);
    await execute(
      tx,
      `INSERT INTO commission_credit_notes (note_number, financial_year, seq, invoice_id, refund_id,
         ledger_entry_key, supply, gst_rate, taxable_value_paise, cgst_paise, sgst_paise, igst_paise,
         total_paise, note_date)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
      [
        number,
        fy,
        seq,
        invoice.id,
        input.refundId,
        input.ledgerEntryKey,
        split.supply,
        invoice.gst_rate,
        input.commissionPaise.toString(),
        split.cgstPaise.toString(),
        split.sgstPaise.toString(),
        split.igstPaise.toString(),
        (input.commissionPaise + input.gstOnCommissionPaise).toString(),
        input.noteDate,
      ],
    );
    return number;
  }

  /**
   * The invoice's recipient. A dealer: its GSTIN now (identity's), else the one its order recorded
   * at checkout. A technician: its GSTIN when registered (identity's), else the place of supply is
   * the state of the registered address in its approved settlement details (none: the platform's).
   */
  private async recipientIn(
    tx: EntityManager,
    input: InvoiceInput,
    platformGstin: string,
  ): Promise<InvoiceRecipient> {
    const gst = input.gstOnCommissionPaise;
    if ('subOrderId' in input) {
      const terms = (await commissionTermsOf(tx, input.subOrderId))!;
      const dealerGstin =
        (await taxProfileIn(tx, terms.dealerId)).gstin ?? terms.dealerGstinAtCheckout!;
      return {
        subOrderId: input.subOrderId,
        orderId: input.orderId,
        dealerId: input.dealerId,
        dealerGstin,
        repairJobId: null,
        technicianId: null,
        technicianGstin: null,
        split: splitGst(gst, platformGstin, dealerGstin),
      };
    }
    const technicianGstin = (await taxProfileIn(tx, input.technicianId)).gstin;
    let stateCode: string | null;
    if (technicianGstin !== null) stateCode = gstinStateCode(technicianGstin);
    else {
      const { rows } = await execute<{ state: IndianState | null }>(
        tx,
        `SELECT registered_address->>'state' AS state FROM payee_settlement_details
         WHERE payee_id = $1 AND review_status = 'approved' ORDER BY reviewed_at DESC LIMIT 1`,
        [input.technicianId],
      );
      const state = rows[0]?.state ?? null;
      stateCode = state !== null && state in INDIAN_STATES ? gstStateCodeOf(state) : null;
    }
    return {
      subOrderId: null,
      orderId: null,
      dealerId: null,
      dealerGstin: null,
      repairJobId: input.repairJobId,
      technicianId: input.technicianId,
      technicianGstin,
      split: splitGstByState(gst, gstinStateCode(platformGstin), stateCode),
    };
  }

  async createRule(dto: CreateCommissionRuleDto, meta: RequestMeta): Promise<CommissionRuleDto> {
    const category = dto.category ?? null;
    const dealerId = dto.dealerId ?? null;
    if (dto.scope === 'default' && (category !== null || dealerId !== null))
      throw invalid('scope-mismatch', 'A default rule names neither a category nor a dealer');
    if (dto.scope === 'category' && (category === null || dealerId !== null))
      throw invalid('scope-mismatch', 'A category rule names a category and no dealer');
    if (dto.scope === 'dealer' && dealerId === null)
      throw invalid('scope-mismatch', 'A dealer rule names a dealer (and optionally a category)');
    if (category === REPAIR_SERVICE && dto.scope !== 'category')
      throw invalid('scope-mismatch', 'A repair_service rule is a category rule');
    const parsed = new Date(`${dto.effectiveFrom}T00:00:00Z`);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== dto.effectiveFrom)
      throw invalid('invalid-date', `${dto.effectiveFrom} is not a calendar date`);
    return this.transactions.run(async (tx) => {
      const { rows: now } = await execute<{ now_ms: string }>(
        tx,
        `SELECT (extract(epoch FROM statement_timestamp()) * 1000)::bigint::text AS now_ms`,
      );
      const today = istDate(Number(now[0]!.now_ms));
      if (dto.effectiveFrom < today)
        throw new AppProblem(
          400,
          'commission/effective-date-in-past',
          'Bad request',
          `effectiveFrom ${dto.effectiveFrom} is before today (${today}, IST): a rule cannot change the past`,
          { today },
        );
      if (dealerId !== null) {
        const { rows } = await execute(
          tx,
          `SELECT 1 FROM users WHERE id = $1 AND role = 'dealer'`,
          [dealerId],
        );
        if (rows.length === 0) throw invalid('unknown-dealer', `No dealer ${dealerId}`);
      }
      const { rows } = await execute<RuleRow>(
        tx,
        `INSERT INTO commission_rules (scope, category, dealer_id, channel, rate, effective_from, created_by, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${RULE_COLUMNS}`,
        [
          dto.scope,
          category,
          dealerId,
          dto.channel ?? 'any',
          dto.rate,
          dto.effectiveFrom,
          meta.principal!.userId,
          dto.reason,
        ],
      );
      const rule = ruleDto(rows[0]!);
      await this.audit.record(tx, meta, {
        action: 'commission.rule.create',
        targetType: 'commission_rule',
        targetId: rule.id,
        reason: dto.reason,
        after: {
          scope: rule.scope,
          category: rule.category,
          dealerId: rule.dealerId,
          channel: rule.channel,
          rate: rule.rate,
          effectiveFrom: rule.effectiveFrom,
        },
      });
      return rule;
    });
  }

  /** The rules in force on a date (per scope, dealer, category and channel, the latest). */
  async rulesInForce(q: CommissionRuleQueryDto): Promise<CommissionRulesInForceDto> {
    return this.transactions.run(async (tx) => {
      const { rows: now } = await execute<{ now_ms: string }>(
        tx,
        `SELECT (extract(epoch FROM statement_timestamp()) * 1000)::bigint::text AS now_ms`,
      );
      const asOf = q.asOf ?? istDate(Number(now[0]!.now_ms));
      const dealerId = q.dealerId ?? null;
      const category = q.category ?? null;
      const { rows } = await execute<RuleRow>(
        tx,
        `SELECT DISTINCT ON (scope, dealer_id, category, channel) ${RULE_COLUMNS}
         FROM commission_rules
         WHERE effective_from <= $1::date
           AND ($2::uuid IS NULL OR dealer_id IS NULL OR dealer_id = $2)
           AND ($3::text IS NULL OR category IS NULL OR category = $3)
         ORDER BY scope, dealer_id, category, channel, effective_from DESC, created_at DESC, id`,
        [asOf, dealerId, category],
      );
      const rules = rows
        .map((r) => ({ r, s: specificityOf(r) }))
        .sort(
          (a, b) =>
            b.s - a.s ||
            Number(b.r.channel !== 'any') - Number(a.r.channel !== 'any') ||
            (a.r.dealer_id ?? '').localeCompare(b.r.dealer_id ?? '') ||
            (a.r.category ?? '').localeCompare(b.r.category ?? ''),
        )
        .map(({ r }) => ruleDto(r));
      const resolved: ResolvedCommissionDto[] = [];
      if (category !== null)
        for (const channel of ['b2b', 'b2c'] as const) {
          const rule = await this.ruleInForce(tx, dealerId, category, channel, asOf);
          resolved.push(
            rule === undefined
              ? { channel, rate: this.fallbackRate(asOf), ruleId: null, source: 'rates.json' }
              : {
                  channel,
                  rate: new Decimal(rule.rate).toString(),
                  ruleId: rule.id,
                  source: 'rule',
                },
          );
        }
      return { asOf, rules, resolved };
    });
  }

  /**
   * ledger-spec/rates.json `commission.parts` on a date (what applies with no rule in force); a date
   * before its first entry has none (400 `commission/no-rate-on-date`).
   */
  private fallbackRate(onDate: string): string {
    this.rateBook ??= loadRateBook();
    const first = scheduleNamed(this.rateBook, PARTS_COMMISSION_SCHEDULE).entries[0]!.effectiveFrom;
    if (onDate < first)
      throw invalid(
        'no-rate-on-date',
        `No commission rate is in force before ${first}: asOf ${onDate}`,
      );
    return rateFrom(this.rateBook, PARTS_COMMISSION_SCHEDULE, onDate).toString();
  }

  async invoices(
    q: CommissionInvoiceQueryDto,
    filter: { dealerId?: string | undefined; technicianId?: string | undefined },
  ): Promise<CommissionInvoicePageDto> {
    const pos = parseKeysetCursor(q.cursor, {
      fy: cursorFields.matching(/^\d{4}-\d{2}$/),
      seq: cursorFields.integer(1, 9_999_999),
    });
    const { rows } = await this.transactions.run((tx) =>
      execute<InvoiceRow>(
        tx,
        `SELECT ${INVOICE_COLUMNS} FROM commission_invoices
         WHERE ($1::text IS NULL OR financial_year = $1) AND ($2::uuid IS NULL OR dealer_id = $2)
           AND ($6::uuid IS NULL OR technician_id = $6)
           AND ($3::text IS NULL OR (financial_year, seq) < ($3, $4::int))
         ORDER BY financial_year DESC, seq DESC LIMIT $5`,
        [
          q.fy ?? null,
          filter.dealerId ?? null,
          pos === undefined ? null : pos.fy,
          pos === undefined ? null : pos.seq,
          q.limit + 1,
          filter.technicianId ?? null,
        ],
      ),
    );
    const items = rows.slice(0, q.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(invoiceDto),
      ...(rows.length > q.limit && last !== undefined
        ? { nextCursor: encodeCursor({ fy: last.financial_year, seq: last.seq }) }
        : {}),
    };
  }
}

function specificityOf(r: RuleRow): number {
  if (r.scope === 'dealer') return r.category === null ? 3 : 4;
  return r.scope === 'category' ? 2 : 1;
}
