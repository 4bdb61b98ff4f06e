import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { RepairsModule } from '../repairs/repairs.module.js';
import { ApplyCaptureHandler } from './commands/apply-capture.handler.js';
import { OpenPaymentHandler } from './commands/open-payment.handler.js';
import { ProcessRefundHandler } from './commands/process-refund.handler.js';
import { VerifyPaymentHandler } from './commands/verify-payment.handler.js';
import { PAYABLES, type Payable } from './payable.js';
import { OrderPayable } from './payables/order-payable.js';
import { RepairJobPayable } from './payables/repair-job-payable.js';
import { PaymentWebhookHandlers } from './payment-webhook-handlers.js';
import { AfterReleaseRefunds } from './after-release-refunds.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsService } from './payments.service.js';
import { RefundsService } from './refunds.service.js';
import { RepairJobPaymentsController } from './repair-job-payments.controller.js';
import {
  CustomerPaymentTerminalController,
  TechnicianPaymentTerminalController,
} from './terminal/payment-terminal.controller.js';
import { CloseRequestsOfJobsLeavingPayment } from './terminal/job-left-payment.handler.js';
import { PaymentTerminal } from './terminal/payment-terminal.service.js';
import { TerminalWebhookHandlers } from './terminal/terminal-webhook-handlers.js';

/**
 * Payments of payables through the gateway (Razorpay, or the local sandbox): payment intents,
 * capture (Checkout's verification or the payment webhooks) into the escrow holds it funds, and
 * refunds to the buyer (every kind, sent and posted by the `payments.refunds` job), and the
 * technician's payment terminal for repair jobs (src/payments/terminal/). The payable
 * kinds — parts orders and repair jobs, over their modules' payment ports — are wired here
 * (`PAYABLES`); the commands (src/payments/commands/) know only the port (src/payments/payable.ts). Needs
 * DatabaseModule and JobsModule (global) and the ledger.
 */
@Module({
  imports: [GatewayModule, LedgerModule, OrdersModule, RepairsModule],
  controllers: [
    PaymentsController,
    RepairJobPaymentsController,
    TechnicianPaymentTerminalController,
    CustomerPaymentTerminalController,
  ],
  providers: [
    PaymentsService,
    RefundsService,
    AfterReleaseRefunds,
    OpenPaymentHandler,
    VerifyPaymentHandler,
    ApplyCaptureHandler,
    ProcessRefundHandler,
    PaymentWebhookHandlers,
    PaymentTerminal,
    CloseRequestsOfJobsLeavingPayment,
    TerminalWebhookHandlers,
    OrderPayable,
    RepairJobPayable,
    {
      provide: PAYABLES,
      useFactory: (orders: OrderPayable, jobs: RepairJobPayable): Payable[] => [orders, jobs],
      inject: [OrderPayable, RepairJobPayable],
    },
  ],
  exports: [PaymentsService, AfterReleaseRefunds],
})
export class PaymentsModule {}
