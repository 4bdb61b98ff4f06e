import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOT_BLANK = /\S/;

export const ROUTE_ACCOUNT_STATUSES = [
  'pending',
  'creating',
  'created',
  'activated',
  'failed',
] as const;
export type RouteAccountStatus = (typeof ROUTE_ACCOUNT_STATUSES)[number];

export class RouteAccountQueryDto extends PageQueryDto {
  /** Only dealers whose Route onboarding is in this state. */
  @ApiPropertyOptional({ enum: ROUTE_ACCOUNT_STATUSES })
  @IsOptional()
  @IsIn(ROUTE_ACCOUNT_STATUSES)
  status?: RouteAccountStatus;
}

export class DealerIdParamDto {
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId!: string;
}

export class RetryRouteAccountDto {
  /** Why: kept in the audit log. */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

/** A dealer's Razorpay Route linked account and the escrow waiting for it. */
export class RouteAccountDto {
  dealerId!: string;
  dealerName!: string;
  @ApiProperty({ enum: ROUTE_ACCOUNT_STATUSES })
  status!: RouteAccountStatus;
  /** What Razorpay stores as the account's reference_id (≤ 20 characters). */
  referenceId!: string;
  @ApiProperty({ type: String, nullable: true })
  gatewayAccountId!: string | null;
  /** Gateway calls made by the current onboarding run. */
  attempts!: number;
  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  activatedAt!: string | null;
  createdAt!: string;
  updatedAt!: string;
  /** Escrow holds of this dealer (held or released, not refunded) with no Route transfer yet. */
  waitingHolds!: number;
  /** Their amount, in paise. */
  waitingPaise!: number;
}

export class RouteAccountPageDto {
  items!: RouteAccountDto[];
  nextCursor?: string;
}
