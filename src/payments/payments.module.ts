import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { EscrowReleaseService } from './escrow-release.service.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { PaymentWebhookHandlers } from './payment-webhook-handlers.js';
import { PaymentWebhooksModule } from './webhooks/payment-webhooks.module.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsService } from './payments.service.js';
import { PaymentReconciliation } from './reconciliation.service.js';
import { RefundsService } from './refunds.service.js';

/**
 * Payments of orders through the gateway (Razorpay, or the local sandbox), the escrow holds they
 * fund and their release to dealers. Needs DatabaseModule, JobsModule (global) and the ledger.
 */
@Module({
  imports: [GatewayModule, LedgerModule, OrdersModule, PaymentWebhooksModule],
  controllers: [PaymentsController],
  providers: [
    PaymentsService,
    EscrowReleaseService,
    PaymentWebhookHandlers,
    RefundsService,
    PaymentReconciliation,
  ],
  exports: [PaymentsService, EscrowReleaseService],
})
export class PaymentsModule {}
