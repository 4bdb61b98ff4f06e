/**
 * The ledger's read side for finance, compliance and admin: queries and responses.
 *
 * Amounts are integer paise as JSON numbers (like Razorpay). A line is at most MAX_PAISE (10^15), an
 * exact JSON number; counters and balances may in principle grow past JSON's exact integers
 * (2^53 − 1 paise ≈ ₹90 trillion): such a value is refused (500), never rounded. Exports carry exact
 * digits always.
 */
import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { PeriodQueryDto } from '../../common/period.js';
import { ACCOUNT_TYPES, type AccountType, type Side } from '../domain/account.js';
import type { EntryKind } from '../domain/ledger-model.js';

export const LEDGER_EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type LedgerExportFormat = (typeof LEDGER_EXPORT_FORMATS)[number];

/** An account code as the chart writes it: `type:segment:…` (see ledger-spec/chart-of-accounts.md). */
export const ACCOUNT_CODE_PATTERN = /^[a-z][a-z0-9_]*(:[A-Za-z0-9][A-Za-z0-9_.-]*)*$/;
/** A business reference: `<kind>:<id>`, e.g. `order:<orderId>`. */
export const REFERENCE_PATTERN = /^[a-z][a-z_]*:\S+$/;
/** A code prefix: the start of a code, e.g. `liability:escrow:`. */
const ACCOUNT_PREFIX_PATTERN = /^[a-z][a-z0-9_]*(:[A-Za-z0-9][A-Za-z0-9_.-]*)*:?$/;

const PAISE = 'integer paise';

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

export class LedgerAccountsQueryDto extends PageQueryDto {
  /** Only accounts whose code starts with this, e.g. `liability:escrow:`. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(ACCOUNT_PREFIX_PATTERN, { message: 'prefix must be the start of an account code' })
  prefix?: string;

  /** Only accounts of this type. */
  @IsOptional()
  @IsIn(ACCOUNT_TYPES)
  type?: AccountType;
}

export class LedgerAccountCodeParamDto {
  /** The account's code, e.g. `liability:escrow:order:o-42` (URL-encoded). */
  @IsString()
  @MaxLength(200)
  @Matches(ACCOUNT_CODE_PATTERN, { message: 'code must be an account code' })
  code!: string;
}

export class LedgerAsOfQueryDto {
  /**
   * Balance as of this instant (ISO-8601; entries effective at or before it count), recomputed
   * from the journal. Absent: now, from the account counters.
   */
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

export class LedgerStatementQueryDto extends IntersectionType(PageQueryDto, PeriodQueryDto) {}

export class LedgerEntryFilterQueryDto extends PeriodQueryDto {
  /**
   * Only entries with this business reference, `<kind>:<id>` — the whole reference, not a bare id:
   * `order:<orderId>` (an order's capture, escrow holds, releases and their deductions, refunds and
   * TCS corrections), `payment:<razorpayPaymentId>` (the gateway fee of a payment, Razorpay's
   * `pay_…` id), `settlement:<razorpaySettlementId>` (the platform's settlement to its bank),
   * `payout:<razorpaySettlementId>` (a dealer's Route settlement), `adjustment:<adjustmentId>` (an
   * approved manual adjustment), `entry:<entryId>` (the expiry of the hold with that id). An
   * entry's own id is its key (e.g. `capture:<razorpayPaymentId>`,
   * `refund:<refundId>`): read it at `GET /ledger/entries/{entryId}`.
   */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(REFERENCE_PATTERN, {
    message: 'reference must be <kind>:<id>, e.g. order:<orderId>, payout:<settlementId>',
  })
  reference?: string;

  /** Only entries of this event type, e.g. `escrow_release`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  eventType?: string;

  /** Only entries with a line on this account (code). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(ACCOUNT_CODE_PATTERN, { message: 'account must be an account code' })
  account?: string;
}

export class LedgerEntriesQueryDto extends IntersectionType(
  PageQueryDto,
  LedgerEntryFilterQueryDto,
) {}

export class LedgerEntryIdParamDto {
  /** The entry's id (its idempotency key), URL-encoded. */
  @IsString()
  @Length(1, 200)
  entryId!: string;
}

export class LedgerExportQueryDto extends PeriodQueryDto {
  /** `csv` (RFC 4180, one row per line) or `jsonl` (JSON Lines, one entry per line). */
  @IsIn(LEDGER_EXPORT_FORMATS)
  format!: LedgerExportFormat;

  /** Why the export is made (kept in the export's own audit event). */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

export class LedgerAccountFlagsDto {
  /** debitsPosted + debitsPending ≤ creditsPosted (a floor for a credit-normal account). */
  debitsMustNotExceedCredits!: boolean;
  /** creditsPosted + creditsPending ≤ debitsPosted (a floor for a debit-normal account). */
  creditsMustNotExceedDebits!: boolean;
}

/** The four counters and the balances derived from them on the account's normal side. */
export class LedgerCountersDto {
  @ApiProperty({ type: 'integer', description: `Posted debits (${PAISE})` })
  debitsPosted!: number;
  @ApiProperty({ type: 'integer', description: `Posted credits (${PAISE})` })
  creditsPosted!: number;
  @ApiProperty({ type: 'integer', description: `Debits held by pending entries (${PAISE})` })
  debitsPending!: number;
  @ApiProperty({ type: 'integer', description: `Credits held by pending entries (${PAISE})` })
  creditsPending!: number;
  @ApiProperty({
    type: 'integer',
    description: `Posted balance on the normal side (${PAISE}; negative = against the normal side)`,
  })
  postedBalance!: number;
  @ApiProperty({
    type: 'integer',
    description: `Net pending movement on the normal side: what posting every hold in full would add (${PAISE})`,
  })
  pendingBalance!: number;
  @ApiProperty({
    type: 'integer',
    description: `Posted balance less pending outflows; pending inflows do not count until posted (${PAISE})`,
  })
  availableBalance!: number;
}

export class LedgerAccountDto extends LedgerCountersDto {
  code!: string;
  type!: AccountType;
  /** The side the account grows on: debit for assets and expenses, credit for the rest. */
  normalSide!: Side;
  /** Whose account it is, from the code's placeholders, e.g. `orderId=o-42`; null for platform accounts. */
  ownerRef!: string | null;
  flags!: LedgerAccountFlagsDto;
}

export class LedgerAccountPageDto {
  items!: LedgerAccountDto[];
  /** Pass as `cursor` to fetch the next page (by code); absent on the last page. */
  nextCursor?: string;
}

export class LedgerBalanceDto extends LedgerCountersDto {
  code!: string;
  type!: AccountType;
  normalSide!: Side;
  /** The instant the balance is for (ISO-8601 UTC): the one asked for, or the database's now. */
  asOf!: string;
  /**
   * `counters`: the account's counters now (row plus balance deltas not yet rolled up);
   * `journal`: recomputed from every entry effective at or before `asOf`.
   */
  source!: 'counters' | 'journal';
}

export class LedgerStatementLineDto {
  /** The entry's position in the journal. */
  entrySeq!: number;
  entryId!: string;
  lineNo!: number;
  kind!: EntryKind;
  eventType!: string;
  reference!: string;
  /** ISO-8601 UTC. */
  effectiveAt!: string;
  side!: Side;
  @ApiProperty({ type: 'integer', description: `The line's amount (${PAISE}, > 0)` })
  amount!: number;
  /**
   * `posted` (posted and post_pending entries) moves the posted balance; `pending` (a hold placed)
   * and `released` (a hold voided or expired: its held lines released) do not.
   */
  phase!: 'posted' | 'pending' | 'released';
  @ApiProperty({
    type: 'integer',
    description: `Posted balance on the normal side after this line, in journal order (${PAISE})`,
  })
  runningBalance!: number;
}

export class LedgerStatementDto {
  code!: string;
  type!: AccountType;
  normalSide!: Side;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: `Posted balance just before this page's first line (${PAISE}); null for an empty page`,
  })
  openingBalance!: number | null;
  /** The account's lines in journal order (entry seq, line number). */
  items!: LedgerStatementLineDto[];
  /** Pass as `cursor` to fetch the next page; absent on the last page. */
  nextCursor?: string;
}

export class LedgerTrialBalanceAccountDto {
  code!: string;
  @ApiProperty({ type: 'integer', description: `Net posted debit balance, or 0 (${PAISE})` })
  debitBalance!: number;
  @ApiProperty({ type: 'integer', description: `Net posted credit balance, or 0 (${PAISE})` })
  creditBalance!: number;
  @ApiProperty({ type: 'integer', description: PAISE })
  debitsPosted!: number;
  @ApiProperty({ type: 'integer', description: PAISE })
  creditsPosted!: number;
  @ApiProperty({ type: 'integer', description: PAISE })
  debitsPending!: number;
  @ApiProperty({ type: 'integer', description: PAISE })
  creditsPending!: number;
}

export class LedgerTrialBalanceTotalsDto {
  @ApiProperty({ type: 'integer', description: `Σ debit balances (${PAISE})` })
  debitBalance!: number;
  @ApiProperty({ type: 'integer', description: `Σ credit balances (${PAISE})` })
  creditBalance!: number;
  @ApiProperty({ type: 'integer', description: `Σ posted debits (${PAISE})` })
  debitsPosted!: number;
  @ApiProperty({ type: 'integer', description: `Σ posted credits (${PAISE})` })
  creditsPosted!: number;
}

export class LedgerTrialBalanceGroupDto {
  type!: AccountType;
  normalSide!: Side;
  accounts!: LedgerTrialBalanceAccountDto[];
  totals!: LedgerTrialBalanceTotalsDto;
  @ApiProperty({
    type: 'integer',
    description: `Σ posted balances of the group on its normal side (${PAISE})`,
  })
  balance!: number;
}

export class LedgerTrialBalancePendingDto {
  @ApiProperty({ type: 'integer', description: `Σ pending debits (${PAISE})` })
  debits!: number;
  @ApiProperty({ type: 'integer', description: `Σ pending credits (${PAISE})` })
  credits!: number;
  /** Σ pending debits = Σ pending credits. */
  balanced!: boolean;
}

export class LedgerTrialBalanceDto {
  /** The instant (ISO-8601 UTC): the one asked for, or the database's now. */
  asOf!: string;
  /** `counters` (now) or `journal` (recomputed from entries effective at or before `asOf`). */
  source!: 'counters' | 'journal';
  /** One group per account type, in the order asset, liability, equity, revenue, expense. */
  groups!: LedgerTrialBalanceGroupDto[];
  totals!: LedgerTrialBalanceTotalsDto;
  pending!: LedgerTrialBalancePendingDto;
  /** Σ debit balances = Σ credit balances, computed from the accounts above. */
  balanced!: boolean;
}

export class LedgerLineDto {
  lineNo!: number;
  account!: string;
  side!: Side;
  @ApiProperty({ type: 'integer', description: `${PAISE}, > 0` })
  amount!: number;
}

/** The seal that covers an entry: the entry's place in it and the seal's signed hash chain link. */
export class LedgerSealProofDto {
  sealNo!: number;
  /** The entry's position among the seal's members (from 0). */
  position!: number;
  /** The seal's hash (over its previous hash, range and every member). */
  hash!: string;
  /** The previous seal's hash (64 zeros for the first seal). */
  prevHash!: string;
  /** Signature over the seal's hash. */
  signature!: string;
  keyId!: string;
}

export class LedgerEntryDto {
  /** Position in the journal. */
  seq!: number;
  /** The entry's id (its idempotency key). */
  id!: string;
  kind!: EntryKind;
  eventType!: string;
  reference!: string;
  actor!: string;
  /** ISO-8601 UTC. */
  effectiveAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  metadata!: Record<string, string>;
  /** The hold a post_pending / void_pending / expire_pending entry resolves. */
  pendingId!: string | null;
  /** The entry a reversal mirrors. */
  reversalOf!: string | null;
  /** When a hold times out (ISO-8601 UTC); null otherwise. */
  timeoutAt!: string | null;
  /** SHA-256 of the command's canonical input (idempotency). */
  inputHash!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  result!: Record<string, unknown>;
  lines!: LedgerLineDto[];
  /** SHA-256 (hex) of the entry's canonical content (src/ledger/domain/entry-hash.ts). */
  hash!: string;
  /** The seal covering the entry; null while not yet sealed. */
  @ApiProperty({ type: () => LedgerSealProofDto, nullable: true })
  seal!: LedgerSealProofDto | null;
}

export class LedgerEntryPageDto {
  /** Newest first (journal seq descending). */
  items!: LedgerEntryDto[];
  /** Pass as `cursor` to fetch the next (older) page; absent on the last page. */
  nextCursor?: string;
}

export class LedgerIntegrityProblemDto {
  @ApiProperty({
    enum: [
      'entry_content',
      'entry_missing',
      'entry_reordered',
      'entry_hash_changed',
      'entry_moved',
      'entry_not_sealed',
      'seal_missing',
      'seal_chain',
      'seal_hash',
      'seal_members',
      'seal_signature',
      'seal_anchor',
    ],
  })
  kind!: string;
  message!: string;
  entryId?: string;
  seq?: string;
  sealNo?: string;
}

export class LedgerLastSealDto {
  sealNo!: string;
  hash!: string;
  keyId!: string;
  xidTo!: string;
}

/** `ledger:verify` as a route: every entry hash, the seal chain, signatures and the newest anchor. */
export class LedgerVerificationDto {
  /** Every check passed. */
  ok!: boolean;
  /** Entries whose content was recomputed (sealed and unsealed). */
  entriesChecked!: number;
  sealsChecked!: number;
  sealedEntries!: number;
  /** Entries written after the last seal: hash-checked, not yet protected by a seal. */
  unsealedEntries!: number;
  lastSeal!: LedgerLastSealDto | null;
  firstProblem!: LedgerIntegrityProblemDto | null;
  /** The first 100 problems, in the order found. */
  problems!: LedgerIntegrityProblemDto[];
  problemsTotal!: number;
  /** The newest anchor (a seal kept outside the database) checked; null when none yet. */
  anchor!: string | null;
}
