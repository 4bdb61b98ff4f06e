import { ApiProperty, OmitType } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

const STATUSES = ['creating', 'created', 'authorized', 'captured', 'failed'] as const;

/** What Razorpay Checkout hands the buyer's app after a payment (its `handler` response). */
export class VerifyPaymentDto {
  @IsString()
  @Matches(/^order_[A-Za-z0-9]{6,40}$/, { message: 'razorpayOrderId must be a Razorpay order id' })
  razorpayOrderId!: string;

  @IsString()
  @Matches(/^pay_[A-Za-z0-9]{6,40}$/, {
    message: 'razorpayPaymentId must be a Razorpay payment id',
  })
  razorpayPaymentId!: string;

  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'razorpaySignature must be 64 hex characters' })
  razorpaySignature!: string;
}

const REFUND_KINDS = [
  'cancellation',
  'unpayable',
  'duplicate',
  'excess',
  'partial',
  'after_release',
  'line_cancellation',
] as const;
const REFUND_STATUSES = ['requested', 'processing', 'processed', 'failed'] as const;

/** Money going back to the buyer. */
export class RefundDto {
  id!: string;
  paymentId!: string;
  /** The cancelled sub-order whose escrow this returns; null for money never held for a dealer and for a repair job's refunds. */
  subOrderId!: string | null;
  /** `cancellation` (a paid part or repair job cancelled, refunded whole), `unpayable` (paid after the order or job could no longer be paid), `duplicate` (a second payment), `excess` (more than was payable), `partial` (a dispute resolved with a partial refund, or a paid repair job cancelled keeping the visit fee: the rest, at release), `after_release` (staff refund of a released sub-order, clawed back from the dealer). */
  @ApiProperty({ enum: REFUND_KINDS })
  kind!: (typeof REFUND_KINDS)[number];
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  amountPaise!: number;
  @ApiProperty({ enum: REFUND_STATUSES })
  status!: (typeof REFUND_STATUSES)[number];
  requestedAt!: string;
  processedAt!: string | null;
}

export class PaymentDto {
  id!: string;
  orderId!: string;
  @ApiProperty({ enum: STATUSES })
  status!: (typeof STATUSES)[number];
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  amountPaise!: number;
  @ApiProperty({ enum: ['INR'] })
  currency!: 'INR';
  @ApiProperty({ enum: ['razorpay'] })
  gateway!: 'razorpay';
  /** Pass to Razorpay Checkout as `order_id`. */
  gatewayOrderId!: string | null;
  gatewayPaymentId!: string | null;
  /** Pass to Razorpay Checkout as `key`. */
  keyId!: string;
  /** Captured after the order could no longer be paid (expired or cancelled): refunded, never kept. */
  unpayable!: boolean;
  failureReason!: string | null;
  createdAt!: string;
  capturedAt!: string | null;
}

/** A repair job's payment: the order payment's fields, for the job. */
export class RepairJobPaymentDto extends OmitType(PaymentDto, ['orderId'] as const) {
  repairJobId!: string;
}

/** A payment as the payments module reads it, whatever it pays (`payableId`: the order or job). */
export type PaymentRecord = Omit<PaymentDto, 'orderId'> & { payableId: string };

export function orderPaymentDto({ id, payableId, ...rest }: PaymentRecord): PaymentDto {
  return { id, orderId: payableId, ...rest };
}

export function repairJobPaymentDto({
  id,
  payableId,
  ...rest
}: PaymentRecord): RepairJobPaymentDto {
  return { id, repairJobId: payableId, ...rest };
}
