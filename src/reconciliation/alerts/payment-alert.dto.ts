import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { UUID } from '../../common/uuid.js';

export const ALERT_KINDS = [
  'payment_stuck',
  'escrow_sla',
  'transfer_failed',
  'webhook_rejected',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
const STATES = ['open', 'resolved'] as const;

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export class PaymentAlertQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ALERT_KINDS })
  @IsOptional()
  @IsIn(ALERT_KINDS)
  kind?: AlertKind;

  /** `open` (not resolved) or `resolved`; both when absent. */
  @ApiPropertyOptional({ enum: STATES })
  @IsOptional()
  @IsIn(STATES)
  state?: (typeof STATES)[number];

  /** Alerts taken by this staff member. */
  @IsOptional()
  @Matches(UUID, { message: 'ownerId must be a UUID' })
  ownerId?: string;
}

export class AlertIdParamDto {
  @Matches(UUID, { message: 'id must be a UUID' })
  id!: string;
}

export class ResolveAlertDto {
  /** What was found and done (kept on the alert and in the audit log). */
  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  note!: string;
}

export class PaymentAlertDto {
  id!: string;
  @ApiProperty({ enum: ALERT_KINDS })
  kind!: AlertKind;
  /**
   * The payment (`payment_stuck`), the sub-order whose escrow is overdue (`escrow_sla`) or whose
   * escrow hold's Route transfer failed (`transfer_failed`), or the stored webhook event that was
   * rejected (`webhook_rejected`).
   */
  subjectId!: string;
  /**
   * `payment_stuck`: the payment's status when the alert opened (`creating`, `created`,
   * `authorized`); `escrow_sla`: `not_shipped` (paid, not shipped within ESCROW_SHIP_SLA_DAYS of
   * capture) or `not_released` (still held ESCROW_SLA_DAYS after delivery); `transfer_failed`:
   * `transfer` (creating the Route transfer was refused, or its retries ran out) or `lift_hold`
   * (lifting the transfer's hold at release was refused). Staff retry it with
   * `POST /admin/escrow/holds/{subOrderId}/retry-transfer`. `webhook_rejected`: `unknown_at_gateway`
   * (the gateway does not know the object a signed event names) or `mismatch` (the gateway, or our
   * records, contradict the event); nothing of the event was applied.
   */
  reason!: string;
  /** `webhook_rejected`: the event (name and id) and what the gateway contradicted. */
  detail!: string | null;
  /** The payment's or hold's order; `webhook_rejected`: the order whose gateway order the event names. */
  orderId!: string | null;
  /** The dealer whose escrow it is (`escrow_sla`, `transfer_failed`). */
  dealerId!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Payment or hold amount, paise' })
  amountPaise!: number | null;
  openedAt!: string;
  /** Seconds open: until now, or until it was resolved. */
  @ApiProperty({ type: 'integer' })
  ageSeconds!: number;
  /** The staff member who took it. */
  ownerId!: string | null;
  ownerName!: string | null;
  acknowledgedAt!: string | null;
  resolvedAt!: string | null;
  /** `auto`: the condition went away; `manual`: resolved by staff with a note. */
  @ApiProperty({ enum: ['auto', 'manual'], nullable: true })
  resolution!: 'auto' | 'manual' | null;
  resolvedBy!: string | null;
  note!: string | null;
}

export class PaymentAlertPageDto {
  items!: PaymentAlertDto[];
  nextCursor?: string;
}
