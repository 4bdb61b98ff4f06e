import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { PaymentRecord, VerifyPaymentDto } from '../dto/payment.dto.js';
import type { PayableRef } from '../payable.js';

/** The buyer hands over Razorpay Checkout's answer for their payable (`VerifyPaymentHandler`). */
export class VerifyPaymentCommand extends Command<PaymentRecord> {
  constructor(
    readonly payable: PayableRef,
    readonly answer: VerifyPaymentDto,
    readonly meta: RequestMeta,
  ) {
    super();
  }
}
