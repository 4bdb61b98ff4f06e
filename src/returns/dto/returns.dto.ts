import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { RETURN_TYPES, type ReturnType } from '../domain/periods.js';

const NOT_BLANK = /\S/;

export class GstReturnPeriodParamDto {
  /** A month, `YYYY-MM` (IST calendar). */
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'period must be a month, YYYY-MM' })
  period!: string;
}

export class TdsReturnPeriodParamDto {
  /** A quarter of the Indian financial year, `YYYY-YY-Qn` (`2026-27-Q3` = October–December 2026). */
  @IsString()
  @Matches(/^\d{4}-\d{2}-Q[1-4]$/, { message: 'period must be a quarter, e.g. 2026-27-Q3' })
  period!: string;
}

export class ClosePeriodDto {
  /** Why the period is closed now (kept with the frozen figures and in the audit log). */
  @IsString()
  @Length(3, 500)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export const GSTR8_EXPORT_FORMATS = ['offline-json', 'csv', 'json'] as const;
export const TDS_EXPORT_FORMATS = ['csv', 'json'] as const;
export const GSTR1_EXPORT_FORMATS = ['csv', 'json', 'e-invoice'] as const;

export class Gstr8ExportQueryDto {
  /** `offline-json`: the GST portal offline tool's JSON; `csv`; `json`: this API's report. */
  @IsIn(GSTR8_EXPORT_FORMATS)
  format!: (typeof GSTR8_EXPORT_FORMATS)[number];
}

export class TdsExportQueryDto {
  /** `csv`: Form 26Q's deductee records; `json`: this API's report. */
  @IsIn(TDS_EXPORT_FORMATS)
  format!: (typeof TDS_EXPORT_FORMATS)[number];
}

export class Gstr1ExportQueryDto {
  /**
   * `csv`: its invoices, credit notes and B2C summaries; `json`: this API's report; `e-invoice`: the
   * IRP's "Generate IRN" payload (schema 1.1) of each B2B invoice and credit note, as a JSON array.
   */
  @IsIn(GSTR1_EXPORT_FORMATS)
  format!: (typeof GSTR1_EXPORT_FORMATS)[number];
}

export const TAXES = ['tcs', 'tds', 'gst_output'] as const;

export class CreateTaxPaymentDto {
  /** Which collected tax is paid: `liability:tax:<tax>` is debited. */
  @IsIn(TAXES)
  tax!: (typeof TAXES)[number];

  /** Integer paise, positive, at most 2^53 − 1. */
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amountPaise!: number;

  /** The challan's reference (CIN / CPIN / BSR code + serial), unique per tax. */
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9/-]+$/, { message: 'challanReference: letters, digits, / and - only' })
  challanReference!: string;

  /** The date the bank paid it, `YYYY-MM-DD`. */
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'paidOn must be a date, YYYY-MM-DD' })
  paidOn!: string;

  /** The platform's bank account it was paid from (`asset:bank:<bankAccountId>` is credited). */
  @IsString()
  @Length(1, 64)
  @Matches(/^[a-z0-9_-]+$/, { message: 'bankAccountId: lower-case letters, digits, _ and -' })
  bankAccountId!: string;

  @IsString()
  @Length(3, 500)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class ClosedPeriodsQueryDto {
  @IsOptional()
  @IsIn(RETURN_TYPES)
  returnType?: ReturnType;
}

export class ClosedPeriodDto {
  @ApiProperty({ enum: RETURN_TYPES })
  returnType!: ReturnType;
  period!: string;
  /** The finance user who closed it. */
  closedBy!: string;
  reason!: string;
  closedAt!: string;
}

export class TaxPaymentsQueryDto {
  @IsOptional()
  @IsIn(TAXES)
  tax?: (typeof TAXES)[number];
}

export class TaxPaymentDto {
  id!: string;
  @ApiProperty({ enum: TAXES })
  tax!: (typeof TAXES)[number];
  amountPaise!: number;
  challanReference!: string;
  paidOn!: string;
  bankAccountId!: string;
  /** The ledger entry, `tax_payment:<id>`. */
  entryId!: string;
  createdAt!: string;
}

export class ReturnExceptionDto {
  /** The entry (or entries) on the tax account that the return does not report. */
  key!: string;
  eventType!: string;
  amountPaise!: number;
}

export class ReturnReconciliationDto {
  account!: string;
  returnTotalPaise!: number;
  /** Credits less debits on the account in the period, payments to the government apart. */
  journalMovementPaise!: number;
  differencePaise!: number;
  reconciled!: boolean;
  @ApiProperty({ type: [ReturnExceptionDto] })
  exceptions!: ReturnExceptionDto[];
}

export class TaxAccountDto {
  code!: string;
  /** Every movement of the account in the period, payments included. */
  movementPaise!: number;
  /** Paid to the government in the period (tax_payment entries). */
  paymentsPaise!: number;
  /** The balance at the end of the period: collected and not yet paid. */
  balanceAtEndPaise!: number;
}

export class Gstr8RowDto {
  supplierId!: string;
  supplierGstin!: string;
  supplierName!: string;
  /** Taxable value of supplies made through the platform. */
  grossSuppliesPaise!: number;
  /** Taxable value of supplies returned. */
  returnsPaise!: number;
  netPaise!: number;
  tcsPaise!: number;
  igstPaise!: number;
  cgstPaise!: number;
  sgstPaise!: number;
}

export class Gstr8AmendmentDto extends Gstr8RowDto {
  /** The month of the original supplies, `YYYY-MM`. */
  originalPeriod!: string;
}

export class Gstr8TotalsDto {
  grossSuppliesPaise!: number;
  returnsPaise!: number;
  netPaise!: number;
  tcsPaise!: number;
  igstPaise!: number;
  cgstPaise!: number;
  sgstPaise!: number;
}

export class Gstr8FiguresDto {
  period!: string;
  @ApiProperty({ type: [Gstr8RowDto] })
  rows!: Gstr8RowDto[];
  @ApiProperty({ type: [Gstr8AmendmentDto] })
  amendments!: Gstr8AmendmentDto[];
  totals!: Gstr8TotalsDto;
  reconciliation!: ReturnReconciliationDto;
}

class ReturnReportBaseDto {
  period!: string;
  @ApiProperty({ enum: ['open', 'closed'] })
  status!: 'open' | 'closed';
  @ApiProperty({ type: String, nullable: true })
  closedAt!: string | null;
  computedAt!: string;
  account!: TaxAccountDto;
}

export class Gstr8ReportDto extends ReturnReportBaseDto {
  @ApiProperty({ enum: ['gstr8'] })
  returnType!: 'gstr8';
  figures!: Gstr8FiguresDto;
}

export class Gstr1B2bRowDto {
  recipientGstin!: string;
  recipientName!: string;
  invoiceNumber!: string;
  invoiceDate!: string;
  /** The recipient's state code. */
  placeOfSupply!: string;
  @ApiProperty({ enum: ['intra_state', 'inter_state'] })
  supply!: 'intra_state' | 'inter_state';
  ratePercent!: string;
  taxableValuePaise!: number;
  igstPaise!: number;
  cgstPaise!: number;
  sgstPaise!: number;
  totalPaise!: number;
}

/**
 * A credit note for commission given back, to a registered recipient: the invoice it reduces
 * (`invoiceNumber`, `invoiceDate`, place of supply, rate) with the note's number, date and amounts.
 */
export class Gstr1CdnrRowDto extends Gstr1B2bRowDto {
  noteNumber!: string;
  noteDate!: string;
  @ApiProperty({ enum: ['C'] })
  noteType!: 'C';
}

/** Unregistered recipients per supply type and rate: invoices less credit notes (may be negative). */
export class Gstr1B2csRowDto {
  @ApiProperty({ enum: ['intra_state', 'inter_state'] })
  supply!: 'intra_state' | 'inter_state';
  ratePercent!: string;
  invoices!: number;
  creditNotes!: number;
  taxableValuePaise!: number;
  igstPaise!: number;
  cgstPaise!: number;
  sgstPaise!: number;
}

export class Gstr1TotalsDto {
  taxableValuePaise!: number;
  igstPaise!: number;
  cgstPaise!: number;
  sgstPaise!: number;
  gstPaise!: number;
}

export class Gstr1FiguresDto {
  period!: string;
  @ApiProperty({ type: [Gstr1B2bRowDto] })
  b2b!: Gstr1B2bRowDto[];
  @ApiProperty({ type: [Gstr1CdnrRowDto] })
  cdnr!: Gstr1CdnrRowDto[];
  @ApiProperty({ type: [Gstr1B2csRowDto] })
  b2cs!: Gstr1B2csRowDto[];
  /** Invoices less credit notes. */
  totals!: Gstr1TotalsDto;
  reconciliation!: ReturnReconciliationDto;
}

export class Gstr1ReportDto extends ReturnReportBaseDto {
  @ApiProperty({ enum: ['gstr1'] })
  returnType!: 'gstr1';
  figures!: Gstr1FiguresDto;
}

export class TdsCreditDto {
  @ApiProperty({ enum: ['credit', 'return'] })
  kind!: 'credit' | 'return';
  reference!: string;
  /** IST date of the credit (the release) or of the return. */
  date!: string;
  grossPaise!: number;
  tdsPaise!: number;
  @ApiProperty({ type: String, nullable: true, description: 'The rate applied, in percent.' })
  ratePercent!: string | null;
}

export class TdsDeducteeDto {
  supplierId!: string;
  @ApiProperty({ enum: ['dealer', 'technician'] })
  supplierKind!: 'dealer' | 'technician';
  name!: string;
  /** The PAN, or `PANNOTAVBL` when none was furnished. */
  pan!: string;
  higherRate!: boolean;
  grossCreditedPaise!: number;
  tdsPaise!: number;
  @ApiProperty({ type: [TdsCreditDto] })
  credits!: TdsCreditDto[];
}

export class TdsTotalsDto {
  grossCreditedPaise!: number;
  tdsPaise!: number;
}

export class Tds194oFiguresDto {
  period!: string;
  @ApiProperty({ type: [TdsDeducteeDto] })
  deductees!: TdsDeducteeDto[];
  totals!: TdsTotalsDto;
  reconciliation!: ReturnReconciliationDto;
}

export class Tds194oReportDto extends ReturnReportBaseDto {
  @ApiProperty({ enum: ['tds194o'] })
  returnType!: 'tds194o';
  figures!: Tds194oFiguresDto;
}
