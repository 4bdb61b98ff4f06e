/**
 * Scenario runner: replays a ledger-spec vector (business events → recipes → ledger commands)
 * against a LedgerModel. The PostgreSQL replay will drive the real service with the same events.
 * Amounts in vectors are decimal strings of paise, so no JSON number ever carries money.
 */
import { type AccountType, availableBalance, type Side, postedBalance } from './account.js';
import { assert } from './assert.js';
import { type Line } from './journal.js';
import { type LedgerCommand, LedgerModel, type LedgerResult } from './ledger-model.js';
import { Decimal, type Paise, parsePaise } from './money.js';
import { type RateBook, istDate, rateFrom } from './rates.js';
import {
  DEFAULT_TAX_POLICY,
  disputeOpened,
  type EscrowKind,
  escrowRelease,
  gatewayFeeCharged,
  gatewaySettlement,
  holdExpired,
  manualAdjustment,
  paymentCaptured,
  type RateSelection,
  payableAccount,
  receivableAccount,
  refundAfterRelease,
  linesLessRefund,
  refundBeforeRelease,
  resolveSaleRates,
  reversal,
  type SaleLine,
  type SaleRates,
  saleGrossOf,
  type Supplier,
  type SupplierKind,
  supplierPayout,
  supplierReceivableRecovered,
  type TaxPolicy,
} from './recipes.js';
import { isResultCode, type ResultCode } from './result-codes.js';

/** Which schedules of rates.json apply to each kind of supplier (configuration; names, not rates). */
export const DEFAULT_RATE_SELECTION: Readonly<Record<SupplierKind, RateSelection>> = {
  dealer: {
    commission: 'commission.parts',
    gstOnCommission: 'gst.commission',
    supplyGst: 'gst.supply.mobile_parts',
    tcs: 'tcs.section_52',
    tds: 'tds.section_194o',
    tdsWithoutPan: 'tds.section_194o.without_pan',
  },
  technician: {
    commission: 'commission.repairs',
    gstOnCommission: 'gst.commission',
    supplyGst: 'gst.supply.repair_services',
    tcs: 'tcs.section_52',
    tds: 'tds.section_194o',
    tdsWithoutPan: 'tds.section_194o.without_pan',
  },
};

export interface ExpectedAccount {
  readonly debitsPosted: string;
  readonly creditsPosted: string;
  readonly debitsPending: string;
  readonly creditsPending: string;
  readonly postedBalance: string;
  readonly availableBalance: string;
}

export interface ExpectedTrialBalance {
  /** Σ posted balance per type, on the type's normal side. */
  readonly byType: Readonly<Record<AccountType, string>>;
  readonly totalDebitsPosted: string;
  readonly totalCreditsPosted: string;
  readonly netPaise: string;
  readonly balanced: boolean;
}

export interface ScenarioEvent {
  readonly at: string;
  readonly event: string;
  readonly expectCode?: string;
  readonly [field: string]: unknown;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly policy?: TaxPolicy;
  readonly suppliers: Readonly<Record<string, { hasPan: boolean; gstRegistered: boolean }>>;
  readonly events: readonly ScenarioEvent[];
  readonly expected: {
    readonly accounts: Readonly<Record<string, ExpectedAccount>>;
    readonly trialBalance: ExpectedTrialBalance;
  };
}

interface Subject {
  readonly escrow: EscrowKind;
  readonly subjectId: string;
  readonly supplier: Supplier;
  holdKey: string;
  holdSeq: number;
  heldPaise: Paise;
  /** The sale's lines still held (adding up to heldPaise). */
  lines: readonly SaleLine[];
  holdTimeoutSeconds: number;
  status: 'held' | 'disputed' | 'released' | 'closed';
  releasedLines: readonly SaleLine[];
  refundedAfterReleasePaise: Paise;
  releaseEntryKeys: readonly string[];
  rates?: SaleRates;
}

function str(e: ScenarioEvent, field: string): string {
  const v = e[field];
  assert(
    typeof v === 'string' && v.length > 0,
    `event ${e.event}: ${field} must be a non-empty string`,
  );
  return v;
}

function paise(e: ScenarioEvent, field: string): Paise {
  return parsePaise(str(e, field));
}

function int(e: ScenarioEvent, field: string): number {
  const v = e[field];
  assert(
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
    `event ${e.event}: ${field} must be a non-negative integer`,
  );
  return v;
}

function linesOf(e: ScenarioEvent): Line[] {
  const raw = e.lines;
  assert(Array.isArray(raw), `event ${e.event}: lines must be an array`);
  return raw.map((l: unknown): Line => {
    assert(typeof l === 'object' && l !== null, 'line must be an object');
    const r = l as Record<string, unknown>;
    assert(typeof r.account === 'string', 'line.account must be a string');
    assert(r.side === 'debit' || r.side === 'credit', 'line.side must be debit or credit');
    assert(typeof r.amountPaise === 'string', 'line.amountPaise must be a string');
    return { account: r.account, side: r.side as Side, amountPaise: parsePaise(r.amountPaise) };
  });
}

/**
 * The sale's lines of a capture: `saleLines` (`[{ "grossPaise": "80000", "gstRate": "0.18" }, …]`,
 * adding up to the gross), else one line of the whole gross at the supplier kind's supply GST rate.
 */
function saleLinesOf(e: ScenarioEvent, grossPaise: Paise, defaultRate: Decimal): SaleLine[] {
  const raw = e.saleLines;
  if (raw === undefined) return [{ grossPaise, gstRate: defaultRate }];
  assert(
    Array.isArray(raw) && raw.length > 0,
    `event ${e.event}: saleLines must be a non-empty array`,
  );
  const lines = raw.map((l: unknown): SaleLine => {
    assert(typeof l === 'object' && l !== null, 'sale line must be an object');
    const r = l as Record<string, unknown>;
    assert(typeof r.grossPaise === 'string', 'saleLine.grossPaise must be a string');
    assert(typeof r.gstRate === 'string', 'saleLine.gstRate must be a decimal string');
    return { grossPaise: parsePaise(r.grossPaise), gstRate: new Decimal(r.gstRate) };
  });
  assert(
    saleGrossOf(lines) === grossPaise,
    `event ${e.event}: saleLines must add up to grossPaise`,
  );
  return lines;
}

function accountsOf(command: LedgerCommand): string[] {
  switch (command.type) {
    case 'batch':
      return command.commands.flatMap(accountsOf);
    case 'post':
    case 'hold':
      return command.lines.map((l) => l.account);
    case 'post_pending':
      return (command.lines ?? []).map((l) => l.account);
    default:
      return [];
  }
}

export interface ScenarioStep {
  readonly index: number;
  readonly event: string;
  readonly result: LedgerResult;
  readonly expectedCode: ResultCode;
}

export class ScenarioRunner {
  readonly ledger: LedgerModel;
  private readonly subjects = new Map<string, Subject>();
  private readonly policy: TaxPolicy;
  private lastMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly scenario: Scenario,
    private readonly rates: RateBook,
    private readonly selection: Readonly<
      Record<SupplierKind, RateSelection>
    > = DEFAULT_RATE_SELECTION,
    ledger: LedgerModel = new LedgerModel(),
  ) {
    this.ledger = ledger;
    this.policy = scenario.policy ?? DEFAULT_TAX_POLICY;
  }

  runAll(): ScenarioStep[] {
    return this.scenario.events.map((e, index) => this.run(e, index));
  }

  private supplier(ref: string): Supplier {
    const [kind, id] = ref.split(':');
    assert(
      (kind === 'dealer' || kind === 'technician') && id !== undefined,
      `bad supplier reference ${ref}`,
    );
    const s = this.scenario.suppliers[ref];
    assert(s !== undefined, `supplier ${ref} is not declared in the scenario`);
    return { kind, id, hasPan: s.hasPan, gstRegistered: s.gstRegistered };
  }

  /** Available balance of an account in the model (0 if not opened yet). */
  private available(code: string): Paise {
    const account = this.ledger.account(code);
    return account === undefined ? 0n : availableBalance(account);
  }

  private subject(e: ScenarioEvent): Subject {
    const s = this.subjects.get(str(e, 'subject'));
    assert(s !== undefined, `unknown subject ${str(e, 'subject')}`);
    return s;
  }

  run(e: ScenarioEvent, index: number): ScenarioStep {
    const nowMs = Date.parse(e.at);
    assert(Number.isFinite(nowMs), `event ${index}: bad time ${e.at}`);
    assert(nowMs >= this.lastMs, `event ${index}: events must be in time order`);
    this.lastMs = nowMs;
    const expectedCode = e.expectCode ?? 'ok';
    assert(isResultCode(expectedCode), `event ${index}: unknown expectCode ${expectedCode}`);
    const { command, onOk } = this.plan(e, nowMs);
    for (const code of new Set(accountsOf(command)))
      this.ledger.apply({ type: 'open_account', code }, nowMs);
    const result = this.ledger.apply(command, nowMs);
    if (result.code === 'ok') onOk();
    return { index, event: e.event, result, expectedCode };
  }

  private plan(e: ScenarioEvent, nowMs: number): { command: LedgerCommand; onOk: () => void } {
    const actor = typeof e.actor === 'string' ? e.actor : 'system';
    switch (e.event) {
      case 'order_payment_captured':
      case 'repair_payment_captured': {
        const escrow: EscrowKind = e.event === 'order_payment_captured' ? 'order' : 'job';
        const subjectId = str(e, escrow === 'order' ? 'orderId' : 'jobId');
        const supplier = this.supplier(
          escrow === 'order'
            ? `dealer:${str(e, 'dealerId')}`
            : `technician:${str(e, 'technicianId')}`,
        );
        const key = `${escrow}:${subjectId}`;
        assert(!this.subjects.has(key), `${key} captured twice`);
        const holdKey = `hold:${key}:1`;
        const grossPaise = paise(e, 'grossPaise');
        const lines = saleLinesOf(
          e,
          grossPaise,
          rateFrom(this.rates, this.selection[supplier.kind].supplyGst, istDate(nowMs)),
        );
        const holdTimeoutSeconds = int(e, 'holdTimeoutSeconds');
        return {
          command: paymentCaptured({
            escrow,
            subjectId,
            supplier,
            paymentId: str(e, 'paymentId'),
            grossPaise,
            holdKey,
            holdTimeoutSeconds,
            actor,
          }),
          onOk: () => {
            this.subjects.set(key, {
              escrow,
              subjectId,
              supplier,
              holdKey,
              holdSeq: 1,
              heldPaise: grossPaise,
              lines,
              holdTimeoutSeconds,
              status: 'held',
              releasedLines: [],
              refundedAfterReleasePaise: 0n,
              releaseEntryKeys: [],
            });
          },
        };
      }
      case 'gateway_fee_charged':
        return {
          command: gatewayFeeCharged({
            paymentId: str(e, 'paymentId'),
            feePaise: paise(e, 'feePaise'),
            feeGstPaise: paise(e, 'feeGstPaise'),
            actor,
          }),
          onOk: () => undefined,
        };
      case 'escrow_released':
      case 'dispute_resolved': {
        const s = this.subject(e);
        const rates = resolveSaleRates(
          this.rates,
          this.selection[s.supplier.kind],
          s.supplier,
          istDate(nowMs),
        );
        const refundPaise =
          e.event === 'escrow_released'
            ? e.refundPaise === undefined
              ? 0n
              : paise(e, 'refundPaise')
            : paise(e, 'buyerAwardPaise');
        const releaseId =
          e.event === 'escrow_released'
            ? `${s.escrow}:${s.subjectId}`
            : `dispute:${str(e, 'disputeId')}`;
        const r = escrowRelease({
          escrow: s.escrow,
          subjectId: s.subjectId,
          supplier: s.supplier,
          holdKey: s.holdKey,
          heldPaise: s.heldPaise,
          lines: s.lines,
          refundPaise,
          rates,
          policy: this.policy,
          releaseId,
          actor,
        });
        return {
          command: r.command,
          onOk: () => {
            s.status = r.releasedPaise > 0n ? 'released' : 'closed';
            s.releasedLines = r.releasedLines;
            s.releaseEntryKeys = r.releaseEntryKeys;
            s.rates = rates;
          },
        };
      }
      case 'refund_before_release': {
        const s = this.subject(e);
        const refundPaise = paise(e, 'refundPaise');
        const newHoldKey = `hold:${s.escrow}:${s.subjectId}:${s.holdSeq + 1}`;
        return {
          command: refundBeforeRelease({
            escrow: s.escrow,
            subjectId: s.subjectId,
            supplier: s.supplier,
            holdKey: s.holdKey,
            heldPaise: s.heldPaise,
            refundPaise,
            newHoldKey,
            holdTimeoutSeconds: s.holdTimeoutSeconds,
            refundId: str(e, 'refundId'),
            actor,
          }),
          onOk: () => {
            if (refundPaise === s.heldPaise) {
              s.status = 'closed'; // the voided hold stays the subject's hold: acting on it again is refused
            } else {
              s.heldPaise -= refundPaise;
              s.lines = linesLessRefund(s.lines, refundPaise);
              s.holdSeq += 1;
              s.holdKey = newHoldKey;
            }
          },
        };
      }
      case 'hold_expired': {
        const s = this.subject(e);
        return {
          command: holdExpired({
            escrow: s.escrow,
            subjectId: s.subjectId,
            holdKey: s.holdKey,
            heldPaise: s.heldPaise,
            actor,
          }),
          onOk: () => {
            s.status = 'closed';
          },
        };
      }
      case 'dispute_opened': {
        const s = this.subject(e);
        const d = disputeOpened({
          escrow: s.escrow,
          subjectId: s.subjectId,
          supplier: s.supplier,
          holdKey: s.holdKey,
          heldPaise: s.heldPaise,
          disputeId: str(e, 'disputeId'),
          actor,
        });
        return {
          command: d.command,
          onOk: () => {
            s.holdKey = d.disputeHoldKey;
            s.status = 'disputed';
          },
        };
      }
      case 'refund_after_release': {
        const s = this.subject(e);
        assert(s.rates !== undefined, 'refund after release of an unreleased subject');
        const refundPaise = paise(e, 'refundPaise');
        const r = refundAfterRelease({
          escrow: s.escrow,
          subjectId: s.subjectId,
          supplier: s.supplier,
          releasedLines: s.releasedLines,
          previouslyRefundedPaise: s.refundedAfterReleasePaise,
          refundPaise,
          rates: s.rates,
          policy: this.policy,
          releaseEntryKeys: s.releaseEntryKeys,
          payableAvailablePaise: this.available(payableAccount(s.supplier)),
          refundId: str(e, 'refundId'),
          actor,
        });
        return {
          command: r.command,
          onOk: () => {
            s.refundedAfterReleasePaise += refundPaise;
          },
        };
      }
      case 'gateway_settlement':
        return {
          command: gatewaySettlement({
            settlementId: str(e, 'settlementId'),
            bankAccountId: str(e, 'bankAccountId'),
            amountPaise: paise(e, 'amountPaise'),
            actor,
          }),
          onOk: () => undefined,
        };
      case 'supplier_payout':
        return {
          command: supplierPayout({
            payoutId: str(e, 'payoutId'),
            supplier: this.supplier(str(e, 'supplier')),
            amountPaise: paise(e, 'amountPaise'),
            sourceAccount: str(e, 'sourceAccount'),
            actor,
          }),
          onOk: () => undefined,
        };
      case 'receivable_recovered': {
        // Recover as much as the payable can give, unless the event names an amount.
        const supplier = this.supplier(str(e, 'supplier'));
        const owed = this.available(receivableAccount(supplier));
        const payable = this.available(payableAccount(supplier));
        const amountPaise =
          e.amountPaise === undefined ? (owed < payable ? owed : payable) : paise(e, 'amountPaise');
        return {
          command: supplierReceivableRecovered({
            recoveryId: str(e, 'recoveryId'),
            supplier,
            amountPaise,
            actor,
          }),
          onOk: () => undefined,
        };
      }
      case 'manual_adjustment':
        return {
          command: manualAdjustment({
            adjustmentId: str(e, 'adjustmentId'),
            lines: linesOf(e),
            reason: str(e, 'reason'),
            maker: str(e, 'maker'),
            checker: str(e, 'checker'),
          }),
          onOk: () => undefined,
        };
      case 'reversal':
        return {
          command: reversal({
            reversalId: str(e, 'reversalId'),
            entryKey: str(e, 'entryKey'),
            reason: str(e, 'reason'),
            actor,
          }),
          onOk: () => undefined,
        };
      default:
        assert(false, `unknown event ${e.event}`);
    }
  }

  /** The actual balances in the vector's `expected.accounts` format. */
  actualAccounts(): Record<string, ExpectedAccount> {
    return Object.fromEntries(
      this.ledger.accounts().map((a) => [
        a.code,
        {
          debitsPosted: a.debitsPosted.toString(),
          creditsPosted: a.creditsPosted.toString(),
          debitsPending: a.debitsPending.toString(),
          creditsPending: a.creditsPending.toString(),
          postedBalance: postedBalance(a).toString(),
          availableBalance: availableBalance(a).toString(),
        },
      ]),
    );
  }

  actualTrialBalance(): ExpectedTrialBalance {
    const tb = this.ledger.trialBalance();
    return {
      byType: {
        asset: tb.byType.asset.balance.toString(),
        liability: tb.byType.liability.balance.toString(),
        equity: tb.byType.equity.balance.toString(),
        revenue: tb.byType.revenue.balance.toString(),
        expense: tb.byType.expense.balance.toString(),
      },
      totalDebitsPosted: tb.totalDebitsPosted.toString(),
      totalCreditsPosted: tb.totalCreditsPosted.toString(),
      netPaise: tb.netPaise.toString(),
      balanced: tb.balanced,
    };
  }
}
