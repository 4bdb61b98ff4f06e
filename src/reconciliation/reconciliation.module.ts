import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module.js';
import { PaymentsModule } from '../payments/payments.module.js';
import { PaymentAlertsController } from './alerts/payment-alerts.controller.js';
import { PaymentAlerts } from './alerts/payment-alerts.service.js';
import { DailyReconciliationReport } from './daily-reconciliation-report.service.js';
import { ReconciliationController } from './reconciliation.controller.js';
import { StuckPaymentPoller } from './stuck-payment-poller.service.js';

/**
 * Oversight of the money core against the gateway: the daily ledger-to-gateway reconciliation
 * report, the poller of payments stuck without a webhook or a verification, and the payment SLA
 * alerts. Needs DatabaseModule and JobsModule (global).
 */
@Module({
  imports: [GatewayModule, PaymentsModule],
  controllers: [PaymentAlertsController, ReconciliationController],
  providers: [DailyReconciliationReport, StuckPaymentPoller, PaymentAlerts],
})
export class ReconciliationModule {}
