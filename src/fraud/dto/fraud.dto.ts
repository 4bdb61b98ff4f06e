import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { FRAUD_RULES, type FraudRule } from '../domain/fraud-rules.js';
import { UUID } from '../../common/uuid.js';

const ALERT_STATES = ['open', 'resolved'] as const;
export const HOLD_STATUSES = ['held', 'cleared', 'rejected'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];
export const RESOLUTIONS = ['dismissed', 'confirmed'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export class FraudAlertQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: FRAUD_RULES })
  @IsOptional()
  @IsIn(FRAUD_RULES)
  rule?: FraudRule;

  /** `open` (not resolved) or `resolved`; both when absent. */
  @ApiPropertyOptional({ enum: ALERT_STATES })
  @IsOptional()
  @IsIn(ALERT_STATES)
  state?: (typeof ALERT_STATES)[number];

  /** Alerts assigned to this staff member. */
  @IsOptional()
  @Matches(UUID, { message: 'ownerId must be a UUID' })
  ownerId?: string;

  /** Alerts about this account (the buyer, or the customer of a rated job). */
  @IsOptional()
  @Matches(UUID, { message: 'accountId must be a UUID' })
  accountId?: string;

  @IsOptional()
  @Matches(UUID, { message: 'orderId must be a UUID' })
  orderId?: string;
}

export class FraudAlertIdParamDto {
  @Matches(UUID, { message: 'id must be a UUID' })
  id!: string;
}

export class AssignFraudAlertDto {
  /** The staff member (admin, ops leader or finance) who takes the alert; the caller when absent. */
  @IsOptional()
  @Matches(UUID, { message: 'ownerId must be a UUID' })
  ownerId?: string;
}

export class ResolveFraudAlertDto {
  /** `confirmed`: it was fraud (act on the account through approvals); `dismissed`: a false alarm. */
  @ApiProperty({ enum: RESOLUTIONS })
  @IsIn(RESOLUTIONS)
  resolution!: Resolution;

  /** What was found (kept on the alert and in the audit log). */
  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  note!: string;
}

export class FraudAlertDto {
  id!: string;
  @ApiProperty({ enum: FRAUD_RULES })
  rule!: FraudRule;
  /** What the rule did: `held` the order for review, `blocked` the checkout, or only `alerted`. */
  @ApiProperty({ enum: ['held', 'blocked', 'alerted'] })
  action!: 'held' | 'blocked' | 'alerted';
  /** The buyer (the customer of a rated job). */
  accountId!: string;
  /** The dealer (`self_dealing`) or technician (`shared_device_rating`) on the other side. */
  counterpartyId!: string | null;
  /** The held order (`order_velocity`, `new_account_high_value`). */
  orderId!: string | null;
  /** The order's review hold, when it has one. */
  @ApiProperty({ enum: HOLD_STATUSES, nullable: true })
  holdStatus!: HoldStatus | null;
  /**
   * What matched: `order_velocity` — `hits` [{key: buyer|device|ip, value, orders, amountPaise,
   * maxOrders, maxPaise}]; `new_account_high_value` — `youngAccount`, `earlyOrder`,
   * `accountAgeDays`, `orderNumber`, `totalPaise`; `self_dealing` and `shared_device_rating` —
   * `matches` [{field: phone|pan|gstin|device|ip, value}] (devices as SHA-256 hashes);
   * `refund_abuse` — `refunds`, `refundedOrders`, `paidOrders`, `refundIds`, `byCount`, `byRatio`.
   */
  @ApiProperty({ type: 'object', additionalProperties: true })
  evidence!: Record<string, unknown>;
  openedAt!: string;
  ownerId!: string | null;
  ownerName!: string | null;
  acknowledgedAt!: string | null;
  resolvedAt!: string | null;
  @ApiProperty({ enum: RESOLUTIONS, nullable: true })
  resolution!: Resolution | null;
  resolvedBy!: string | null;
  note!: string | null;
}

export class FraudAlertPageDto {
  items!: FraudAlertDto[];
  nextCursor?: string;
}

export class FraudHoldQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: HOLD_STATUSES })
  @IsOptional()
  @IsIn(HOLD_STATUSES)
  status?: HoldStatus;
}

export class OrderIdParamDto {
  @Matches(UUID, { message: 'orderId must be a UUID' })
  orderId!: string;
}

export class DecideHoldDto {
  /** Why (kept on the hold, on the order's history when cancelled, and in the audit log). */
  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  reason!: string;
}

export class FraudHoldDto {
  orderId!: string;
  buyerId!: string;
  @ApiProperty({ type: 'integer', description: 'Order total, paise' })
  totalPaise!: number;
  /** The order's stored payment status (`awaiting_payment`, `paid`, `expired`, `cancelled`). */
  orderPaymentStatus!: string;
  @ApiProperty({ enum: HOLD_STATUSES })
  status!: HoldStatus;
  /** The rules that held it. */
  @ApiProperty({ enum: FRAUD_RULES, isArray: true })
  rules!: FraudRule[];
  createdAt!: string;
  decidedAt!: string | null;
  decidedBy!: string | null;
  reason!: string | null;
}

export class FraudHoldPageDto {
  items!: FraudHoldDto[];
  nextCursor?: string;
}
