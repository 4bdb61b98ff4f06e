import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { PaymentWebhookHandlers } from './payment-webhook-handlers.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsService } from './payments.service.js';
import { RefundsService } from './refunds.service.js';

/**
 * Payments of orders through the gateway (Razorpay, or the local sandbox): payment intents, capture
 * (Checkout's verification or the payment webhooks) into the escrow holds it funds, and refunds to
 * the buyer (every kind, sent and posted by the `payments.refunds` job). Needs DatabaseModule and
 * JobsModule (global) and the ledger.
 */
@Module({
  imports: [GatewayModule, LedgerModule, OrdersModule],
  controllers: [PaymentsController],
  providers: [PaymentsService, RefundsService, PaymentWebhookHandlers],
  exports: [PaymentsService],
})
export class PaymentsModule {}
