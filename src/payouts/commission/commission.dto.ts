import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsCalendarDate } from '../../common/calendar-date.js';
import { LISTING_CATEGORIES, type ListingCategory } from '../../catalog/domain/listing-kinds.js';
import { PageQueryDto } from '../../common/pagination.js';
import { UUID } from '../../common/uuid.js';

export const COMMISSION_SCOPES = ['default', 'category', 'dealer'] as const;
export type CommissionScope = (typeof COMMISSION_SCOPES)[number];
/** The category of a rule for repair jobs (the parts' categories are the listings'). */
export const REPAIR_SERVICE = 'repair_service';
export const COMMISSION_CATEGORIES = [...LISTING_CATEGORIES, REPAIR_SERVICE] as const;
export type CommissionCategory = (typeof COMMISSION_CATEGORIES)[number];
export const COMMISSION_CHANNELS = ['b2b', 'b2c', 'any'] as const;
export type CommissionChannel = (typeof COMMISSION_CHANNELS)[number];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const NOT_BLANK = /\S/;
const FY = /^\d{4}-\d{2}$/;

/** A new commission rule (append-only: a change is a new rule effective from a date). */
export class CreateCommissionRuleDto {
  /** `default` (everything), `category`, or `dealer` (optionally narrowed to one category). */
  @IsIn(COMMISSION_SCOPES)
  scope!: CommissionScope;

  /**
   * Required for `category`; optional for `dealer`; absent for `default`. A parts category, or
   * `repair_service` (repair jobs; a `category` rule only — default rules apply to parts).
   */
  @IsOptional()
  @IsIn(COMMISSION_CATEGORIES)
  category?: CommissionCategory;

  /** Required for `dealer`; absent otherwise. */
  @IsOptional()
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId?: string;

  /** Which buyers the rate applies to (default `any`). */
  @IsOptional()
  @IsIn(COMMISSION_CHANNELS)
  channel?: CommissionChannel;

  /** Decimal fraction as a string, 0 ≤ rate < 1, at most 4 decimals (e.g. `0.075` = 7.5 %). */
  @ApiProperty({ example: '0.075' })
  @IsString()
  @Matches(/^0(\.\d{1,4})?$/, {
    message: 'rate must be a decimal string from 0 to below 1 with at most 4 decimals',
  })
  rate!: string;

  /** First IST calendar day the rule applies (today or later). */
  @ApiProperty({ example: '2026-12-01' })
  @IsString()
  @Matches(ISO_DATE, { message: 'effectiveFrom must be a date YYYY-MM-DD' })
  effectiveFrom!: string;

  /** Why (kept on the rule and in the audit log). */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class CommissionRuleDto {
  id!: string;
  scope!: CommissionScope;
  category!: string | null;
  dealerId!: string | null;
  channel!: CommissionChannel;
  /** Decimal fraction as a string. */
  rate!: string;
  effectiveFrom!: string;
  createdBy!: string;
  reason!: string;
  createdAt!: string;
}

export class CommissionRuleQueryDto {
  /** Only rules that can apply to this dealer (its overrides, category rules and defaults). */
  @IsOptional()
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId?: string;

  /** Only rules that can apply to this category (its rules, and rules for every category). */
  @IsOptional()
  @IsIn(LISTING_CATEGORIES)
  category?: ListingCategory;

  /** IST date (default today). */
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;
}

/** The commission rate a sale would get. */
export class ResolvedCommissionDto {
  channel!: 'b2b' | 'b2c';
  rate!: string;
  /** The rule applied; null when none is in force (rates.json `commission.parts`). */
  ruleId!: string | null;
  source!: 'rule' | 'rates.json';
}

export class CommissionRulesInForceDto {
  asOf!: string;
  /** Per scope, dealer, category and channel, the rule in force on `asOf` (most specific first). */
  rules!: CommissionRuleDto[];
  /** With `category` (and optionally `dealerId`): the rate a B2B and a B2C sale would get. */
  resolved!: ResolvedCommissionDto[];
}

/** A credit note against the invoice: commission and GST given back by a refund after release. */
export class CommissionCreditNoteDto {
  /** `CN/<yy-yy>/<7-digit sequence>`, gapless per financial year. */
  noteNumber!: string;
  /** IST date of the note (of the ledger entry that gives the GST back). */
  noteDate!: string;
  refundId!: string;
  /** The commission given back (the note's taxable value). */
  taxableValuePaise!: number;
  cgstPaise!: number;
  sgstPaise!: number;
  igstPaise!: number;
  totalPaise!: number;
}

export class CommissionInvoiceDto {
  id!: string;
  /** `FB/<yy-yy>/<7-digit sequence>` (16 characters; numbers issued before 2026-12-07: `FB/<yyyy-yy>/<6 digits>`). */
  invoiceNumber!: string;
  financialYear!: string;
  /** A sub-order's commission, invoiced to its dealer (null for a repair job's service fee). */
  subOrderId!: string | null;
  orderId!: string | null;
  dealerId!: string | null;
  dealerGstin!: string | null;
  /** A repair job's service fee, invoiced to its technician (null for a sub-order's commission). */
  repairJobId!: string | null;
  technicianId!: string | null;
  /** The technician's GSTIN; null when it is not registered for GST. */
  technicianGstin!: string | null;
  platformGstin!: string;
  supply!: 'intra_state' | 'inter_state';
  channel!: 'b2b' | 'b2c';
  category!: string | null;
  commissionRate!: string;
  /** null: no rule was in force (rates.json `commission.parts`). */
  ruleId!: string | null;
  /** The commission (the invoice's taxable value). */
  taxableValuePaise!: number;
  gstRate!: string;
  cgstPaise!: number;
  sgstPaise!: number;
  igstPaise!: number;
  totalPaise!: number;
  /** IST date of the release. */
  releaseDate!: string;
  createdAt!: string;
  /** Credit notes issued against it, in number order (none: `[]`). */
  @ApiProperty({ type: [CommissionCreditNoteDto] })
  creditNotes!: CommissionCreditNoteDto[];
}

export class CommissionInvoicePageDto {
  items!: CommissionInvoiceDto[];
  nextCursor?: string;
}

export class DealerCommissionInvoiceQueryDto extends PageQueryDto {
  /** Financial year, e.g. `2026-27`. */
  @IsOptional()
  @Matches(FY, { message: 'fy must look like 2026-27' })
  fy?: string;
}

export class CommissionInvoiceQueryDto extends DealerCommissionInvoiceQueryDto {
  @IsOptional()
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId?: string;

  @IsOptional()
  @Matches(UUID, { message: 'technicianId must be a UUID' })
  technicianId?: string;
}
