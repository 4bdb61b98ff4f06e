/**
 * Tax movements: what each journal entry means for the statutory returns, read from the entries
 * alone (pure; the same function reads the in-memory model's journal and PostgreSQL's).
 *
 * - a supply: a release (`release:<id>`, event `escrow_release`) and its deductions
 *   (`deductions:<id>`): gross credited to the supplier, taxable value, TCS and TDS withheld;
 * - a return: a refund after release, clawed back (`refund:<id>`, event `refund_clawback`) or the
 *   release reversed (`reverse:<refundId>:…`, event `refund_reversal`): the same figures, negative;
 * - a correction: a TCS correction of a past release (event `tcs_correction`): TCS only;
 * - a payment to the government (event `tax_payment`) and anything else on a tax account
 *   (a manual adjustment): not a supply, listed by the reconciliation.
 */
import type { Side } from '../../ledger/domain/account.js';
import { Accounts } from '../../ledger/domain/account.js';
import type { SupplierKind } from '../../ledger/domain/recipes.js';

export interface JournalLine {
  readonly account: string;
  readonly side: Side;
  readonly amountPaise: bigint;
}

export interface JournalEntry {
  readonly key: string;
  readonly eventType: string;
  readonly reference: string;
  readonly effectiveAtMs: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly reversalOf?: string;
  readonly lines: readonly JournalLine[];
}

export interface SupplierRef {
  readonly kind: SupplierKind;
  readonly id: string;
}

export type MovementKind = 'supply' | 'return' | 'correction';

export interface TaxMovement {
  readonly kind: MovementKind;
  /** The entry keys it is read from (a supply: its release and deductions). */
  readonly entryKeys: readonly string[];
  /** `order:<orderId>` or `job:<jobId>`. */
  readonly reference: string;
  readonly supplier: SupplierRef;
  readonly effectiveAtMs: number;
  /** Signed: positive for a supply, negative for a return. */
  readonly grossPaise: bigint;
  readonly taxableValuePaise: bigint;
  readonly tcsPaise: bigint;
  readonly tdsPaise: bigint;
  /** The TDS rate the release applied (decimal string), when the entry records it. */
  readonly tdsRate?: string;
  /** For a return or correction: when the supply it corrects was made (null when not found). */
  readonly suppliedAtMs?: number | null;
}

/** Entries on a tax account that are not a supply, return or correction. */
export interface OtherTaxEntry {
  readonly key: string;
  readonly eventType: string;
  readonly effectiveAtMs: number;
  readonly tcsPaise: bigint;
  readonly tdsPaise: bigint;
  readonly gstOutputPaise: bigint;
}

const SUPPLIER_ACCOUNT = /^(?:liability|asset):(dealer|technician)_(?:payable|receivable):(.+)$/;

export function supplierOf(lines: readonly JournalLine[]): SupplierRef | undefined {
  for (const l of lines) {
    const m = SUPPLIER_ACCOUNT.exec(l.account);
    if (m) return { kind: m[1] as SupplierKind, id: m[2]! };
  }
  return undefined;
}

/** Credits less debits on one account (a liability's increase). */
export function creditNet(lines: readonly JournalLine[], account: string): bigint {
  let sum = 0n;
  for (const l of lines) {
    if (l.account === account) sum += l.side === 'credit' ? l.amountPaise : -l.amountPaise;
  }
  return sum;
}

function creditedToSupplier(lines: readonly JournalLine[]): bigint {
  return lines
    .filter((l) => l.side === 'credit' && SUPPLIER_ACCOUNT.test(l.account))
    .reduce((s, l) => s + l.amountPaise, 0n);
}

const TAX_ACCOUNTS: readonly string[] = [Accounts.tcs, Accounts.tds, Accounts.gstOutput];

function touchesTax(e: JournalEntry): boolean {
  return e.lines.some((l) => TAX_ACCOUNTS.includes(l.account));
}

function releaseIdOf(key: string): string | undefined {
  const m = /^(?:release|deductions):(.+)$/.exec(key);
  return m?.[1];
}

/**
 * Every entry's meaning for the returns. `entries` are the journal's entries in the period and any
 * earlier entry they point at (a reversal's original, the release a refund takes back from):
 * `movementsOf` only reports entries effective in [fromMs, toMs).
 */
export function movementsOf(
  entries: readonly JournalEntry[],
  fromMs: number,
  toMs: number,
): { movements: TaxMovement[]; others: OtherTaxEntry[] } {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const inPeriod = (e: JournalEntry) => e.effectiveAtMs >= fromMs && e.effectiveAtMs < toMs;
  const releases = entries.filter((e) => e.eventType === 'escrow_release');
  /** The latest release of the reference to the supplier at or before `atMs`. */
  const releaseBefore = (reference: string, supplier: SupplierRef, atMs: number) =>
    releases
      .filter((r) => r.reference === reference && r.effectiveAtMs <= atMs)
      .filter((r) => supplierOf(r.lines)?.id === supplier.id)
      .sort((a, b) => b.effectiveAtMs - a.effectiveAtMs)[0];
  const movements: TaxMovement[] = [];
  const others: OtherTaxEntry[] = [];
  const reversalsByRefund = new Map<string, JournalEntry[]>();
  for (const e of entries.filter(inPeriod)) {
    if (e.eventType === 'escrow_release') {
      const supplier = supplierOf(e.lines);
      if (supplier === undefined) continue;
      const deductions = byKey.get(`deductions:${releaseIdOf(e.key) ?? ''}`);
      const gross = creditedToSupplier(e.lines);
      movements.push({
        kind: 'supply',
        entryKeys: deductions ? [e.key, deductions.key] : [e.key],
        reference: e.reference,
        supplier,
        effectiveAtMs: e.effectiveAtMs,
        grossPaise: gross,
        taxableValuePaise: BigInt(deductions?.metadata.taxableValuePaise ?? gross),
        tcsPaise: deductions ? creditNet(deductions.lines, Accounts.tcs) : 0n,
        tdsPaise: deductions ? creditNet(deductions.lines, Accounts.tds) : 0n,
        ...(deductions?.metadata.tdsRate ? { tdsRate: deductions.metadata.tdsRate } : {}),
      });
    } else if (e.eventType === 'release_deductions') {
      continue; // read with its release
    } else if (e.eventType === 'refund_reversal') {
      const refundId = /^reverse:([^:]+):/.exec(e.key)?.[1] ?? e.key;
      reversalsByRefund.set(refundId, [...(reversalsByRefund.get(refundId) ?? []), e]);
    } else if (e.eventType === 'refund_clawback' || e.eventType === 'tcs_correction') {
      const supplier = supplierOf(e.lines);
      if (supplier === undefined) continue;
      const release = releaseBefore(e.reference, supplier, e.effectiveAtMs);
      const isReturn = e.eventType === 'refund_clawback';
      movements.push({
        kind: isReturn ? 'return' : 'correction',
        entryKeys: [e.key],
        reference: e.reference,
        supplier,
        effectiveAtMs: e.effectiveAtMs,
        grossPaise: isReturn ? -creditNet(e.lines, Accounts.gatewayReceivable) : 0n,
        taxableValuePaise: isReturn ? -BigInt(e.metadata.taxableValuePaise ?? '0') : 0n,
        tcsPaise: creditNet(e.lines, Accounts.tcs),
        tdsPaise: creditNet(e.lines, Accounts.tds),
        suppliedAtMs: release?.effectiveAtMs ?? null,
      });
    } else if (touchesTax(e)) {
      others.push({
        key: e.key,
        eventType: e.eventType,
        effectiveAtMs: e.effectiveAtMs,
        tcsPaise: creditNet(e.lines, Accounts.tcs),
        tdsPaise: creditNet(e.lines, Accounts.tds),
        gstOutputPaise: creditNet(e.lines, Accounts.gstOutput),
      });
    }
  }
  for (const group of reversalsByRefund.values()) {
    const originals = group.map((r) => (r.reversalOf ? byKey.get(r.reversalOf) : undefined));
    const release = originals.find((o) => o?.eventType === 'escrow_release');
    const deductions = originals.find((o) => o?.eventType === 'release_deductions');
    const supplier = supplierOf(group.flatMap((r) => r.lines));
    if (supplier === undefined || release === undefined) continue;
    const gross = creditedToSupplier(release.lines);
    movements.push({
      kind: 'return',
      entryKeys: group.map((r) => r.key),
      reference: group[0]!.reference,
      supplier,
      effectiveAtMs: group[0]!.effectiveAtMs,
      grossPaise: -gross,
      taxableValuePaise: -BigInt(deductions?.metadata.taxableValuePaise ?? gross),
      tcsPaise: group.reduce((s, r) => s + creditNet(r.lines, Accounts.tcs), 0n),
      tdsPaise: group.reduce((s, r) => s + creditNet(r.lines, Accounts.tds), 0n),
      suppliedAtMs: release.effectiveAtMs,
    });
  }
  movements.sort((a, b) => a.effectiveAtMs - b.effectiveAtMs);
  return { movements, others };
}
