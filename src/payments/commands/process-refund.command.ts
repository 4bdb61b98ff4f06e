import { Command } from '@nestjs/cqrs';
import type { RefundDto } from '../dto/payment.dto.js';

/**
 * Send one refund to the gateway (or look it up) and apply what the gateway says
 * (`ProcessRefundHandler`); its status afterwards. Dispatched by the `payments.refunds` job
 * (`RefundsService.processDue`), one per requested or processing refund.
 */
export class ProcessRefundCommand extends Command<RefundDto['status']> {
  constructor(readonly refundId: string) {
    super();
  }
}
