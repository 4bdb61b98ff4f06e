import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { PAYMENT_REQUEST_STATUSES } from '../domain/payment-request-state.js';

const METHODS = ['link', 'qr'] as const;

/** What the technician asks the customer to pay with. */
export class RequestPaymentDto {
  /** `link`: a Razorpay Payment Link texted and e-mailed to the customer; `qr`: a single-use UPI QR code to show. */
  @ApiProperty({ enum: METHODS })
  @IsIn(METHODS, { message: 'method must be link or qr' })
  method!: (typeof METHODS)[number];
}

/** A payment request of the terminal: a Payment Link or UPI QR code for the job's approved amount. */
export class PaymentRequestDto {
  id!: string;
  repairJobId!: string;
  /** The job's payment it pays (the one an in-app payment pays too). */
  paymentId!: string;
  @ApiProperty({ enum: METHODS })
  method!: (typeof METHODS)[number];
  /** creating, open (payable), paid, cancelled, expired, failed (the gateway refused it). */
  @ApiProperty({ enum: PAYMENT_REQUEST_STATUSES })
  status!: (typeof PAYMENT_REQUEST_STATUSES)[number];
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  amountPaise!: number;
  /** What the customer opens (the link's short URL) or scans (the QR code's image); null until open. */
  url!: string | null;
  expiresAt!: string;
  /** Why it closed (`cancelled by the customer`, `paid in the app`, …); null while live. */
  closeReason!: string | null;
  createdAt!: string;
}
