import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination.js';
import { PAYEE_KINDS, type PayeeKind } from '../../payees/dto/payee.dto.js';
import { ROUTE_ACCOUNT_STATUSES, type RouteAccountStatus } from '../route-account-state.js';
import { UUID } from '../../../common/uuid.js';

const NOT_BLANK = /\S/;

export class RouteAccountQueryDto extends PageQueryDto {
  /** Only payees whose Route onboarding is in this state. */
  @ApiPropertyOptional({ enum: ROUTE_ACCOUNT_STATUSES })
  @IsOptional()
  @IsIn(ROUTE_ACCOUNT_STATUSES)
  status?: RouteAccountStatus;
}

export class PayeeIdParamDto {
  @Matches(UUID, { message: 'payeeId must be a UUID' })
  payeeId!: string;
}

export class RetryRouteAccountDto {
  /** Why: kept in the audit log. */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

/** A payee's Razorpay Route linked account, its onboarding steps and the escrow waiting for it. */
export class RouteAccountDto {
  payeeId!: string;
  @ApiProperty({ enum: PAYEE_KINDS })
  payeeKind!: PayeeKind;
  payeeName!: string;
  @ApiProperty({ enum: ROUTE_ACCOUNT_STATUSES })
  status!: RouteAccountStatus;
  /** What Razorpay stores as the account's reference_id (≤ 20 characters). */
  referenceId!: string;
  @ApiProperty({ type: String, nullable: true })
  gatewayAccountId!: string | null;
  @ApiProperty({ type: String, nullable: true })
  stakeholderId!: string | null;
  /** The Route product configuration. */
  @ApiProperty({ type: String, nullable: true })
  productId!: string | null;
  /** Razorpay's activation_status of the Route product. */
  @ApiProperty({ type: String, nullable: true })
  activationStatus!: string | null;
  /** Gateway calls made by the current step. */
  attempts!: number;
  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  activatedAt!: string | null;
  createdAt!: string;
  updatedAt!: string;
  /** Escrow holds of this payee (a dealer's; held or released, not refunded) with no Route transfer yet. */
  waitingHolds!: number;
  /** Their amount, in paise. */
  waitingPaise!: number;
}

export class RouteAccountPageDto {
  items!: RouteAccountDto[];
  nextCursor?: string;
}
