import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { AddressDto } from '../../../identity/dto/signup.dto.js';
import {
  ROUTE_ACCOUNT_STATUSES,
  type RouteAccountStatus,
} from '../../route/route-account-state.js';
import { BUSINESS_TYPES } from '../domain/settlement-details.js';
import { UUID } from '../../../common/uuid.js';

const NOT_BLANK = /\S/;

export const PAYEE_KINDS = ['dealer', 'technician'] as const;
export type PayeeKind = (typeof PAYEE_KINDS)[number];

/**
 * A payee's onboarding data for Razorpay Route. Formats are checked by the service, which answers a
 * refusal with a stable code per rule (payee/invalid-pan, payee/invalid-gstin,
 * payee/gstin-pan-mismatch, payee/invalid-business-type, payee/invalid-beneficiary-name,
 * payee/invalid-ifsc, payee/unknown-bank, payee/invalid-account-number) naming the field.
 */
export class SubmitSettlementDetailsDto {
  /** The business's PAN (a proprietor's own PAN), AAAAA9999A. */
  @IsString()
  @MaxLength(20)
  pan!: string;

  /** The GSTIN, where the business is registered for GST: the PAN inside it is `pan`. */
  @IsOptional()
  @IsString()
  @MaxLength(20)
  gstin?: string;

  /** Razorpay's legal business type. */
  @ApiProperty({ enum: BUSINESS_TYPES })
  @IsString()
  @MaxLength(40)
  businessType!: string;

  /** The bank account holder's name, as the bank has it. */
  @IsString()
  @MaxLength(120)
  beneficiaryName!: string;

  /** The branch's IFSC (e.g. HDFC0000317): 4 letters of a known bank, 0, 6 letters or digits. */
  @IsString()
  @MaxLength(20)
  ifsc!: string;

  /** The settlement account number, 9 to 18 digits; stored encrypted, shown masked. */
  @IsString()
  @MaxLength(30)
  accountNumber!: string;

  /** The registered address Razorpay needs (a dealer's pickup address is used when omitted). */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  registeredAddress?: AddressDto;
}

/** Settlement details as shown: the account number, PAN and GSTIN masked (XXXXXX1234). */
export class SettlementDetailsDto {
  id!: string;
  @ApiProperty({ enum: PAYEE_KINDS })
  payeeKind!: PayeeKind;
  pan!: string;
  @ApiProperty({ type: String, nullable: true })
  gstin!: string | null;
  businessType!: string;
  beneficiaryName!: string;
  ifsc!: string;
  accountNumber!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected', 'superseded'] })
  reviewStatus!: 'pending' | 'approved' | 'rejected' | 'superseded';
  submittedAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  reviewedAt!: string | null;
  @ApiProperty({ type: String, nullable: true })
  reviewReason!: string | null;
}

/** The payee's Route linked account, as far as onboarding went. */
export class PayeeRouteAccountDto {
  @ApiProperty({ enum: ROUTE_ACCOUNT_STATUSES })
  status!: RouteAccountStatus;
  /** Razorpay's activation_status of the Route product, once requested. */
  @ApiProperty({ type: String, nullable: true })
  activationStatus!: string | null;
  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;
}

/** A payee's onboarding: details in use, a change waiting for review, its Route account. */
export class PayeeDto {
  payeeId!: string;
  @ApiProperty({ enum: PAYEE_KINDS })
  payeeKind!: PayeeKind;
  @ApiProperty({ type: SettlementDetailsDto, nullable: true })
  settlementDetails!: SettlementDetailsDto | null;
  @ApiProperty({ type: SettlementDetailsDto, nullable: true })
  pendingChange!: SettlementDetailsDto | null;
  @ApiProperty({ type: PayeeRouteAccountDto, nullable: true })
  routeAccount!: PayeeRouteAccountDto | null;
}

/** A payee whose settlement-details change waits for staff review. */
export class PendingSettlementReviewDto {
  payeeId!: string;
  @ApiProperty({ enum: PAYEE_KINDS })
  payeeKind!: PayeeKind;
  /** The business name, else the person's name. */
  payeeName!: string;
  /** Whether approved details are on file (the change replaces them) or this is the first submission. */
  hasApprovedDetails!: boolean;
  pendingChange!: SettlementDetailsDto;
}

export class PendingSettlementReviewPageDto {
  items!: PendingSettlementReviewDto[];
  nextCursor?: string;
}

export class PayeeIdParamDto {
  @Matches(UUID, { message: 'id must be a UUID' })
  id!: string;
}

export class ApproveSettlementDetailsDto {
  /** Why (kept in the audit log). */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;
}

export class RejectSettlementDetailsDto {
  /** Why: shown to the payee and kept in the audit log. */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}
