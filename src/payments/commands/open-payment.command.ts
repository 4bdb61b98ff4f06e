import { Command } from '@nestjs/cqrs';
import type { RequestMeta } from '../../common/request-meta.js';
import type { PaymentRecord } from '../dto/payment.dto.js';
import type { PayableRef } from '../payable.js';

/**
 * The buyer opens (or gets back the open) payment of their payable (`OpenPaymentHandler`). `buyerId`
 * is the caller unless said otherwise (the terminal opens a repair job's payment, its customer's,
 * for the job's technician).
 */
export class OpenPaymentCommand extends Command<PaymentRecord> {
  constructor(
    readonly payable: PayableRef,
    readonly meta: RequestMeta,
    readonly buyerId: string = meta.principal!.userId,
  ) {
    super();
  }
}
