import { Module } from '@nestjs/common';
import { PaymentAlertsController } from './alerts/payment-alerts.controller.js';
import { PaymentAlerts } from './alerts/payment-alerts.service.js';
import { TransferRetryController } from './alerts/transfer-retry.controller.js';
import { TransferRetryService } from './alerts/transfer-retry.service.js';
import { IdentityModule } from '../identity/identity.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { StorageModule } from '../storage/storage.module.js';
import {
  AdminDisputesController,
  DealerDisputesController,
  DisputesController,
} from './disputes/disputes.controller.js';
import { DisputesService } from './disputes/disputes.service.js';
import { EvidenceBodyParser } from './disputes/evidence-body.parser.js';
import { EscrowReleaseService } from './escrow-release.service.js';
import {
  AdminCommissionController,
  DealerCommissionInvoicesController,
} from './commission/commission.controller.js';
import { CommissionService } from './commission/commission.service.js';
import { EscrowControlsController } from './escrow-controls/escrow-controls.controller.js';
import { EscrowControlsService } from './escrow-controls/escrow-controls.service.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { PaymentWebhookHandlers } from './payment-webhook-handlers.js';
import { PaymentWebhooksModule } from './webhooks/payment-webhooks.module.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsService } from './payments.service.js';
import { PaymentReconciliation } from './reconciliation.service.js';
import { ReconciliationController } from './reconciliation/reconciliation.controller.js';
import { ReconciliationReport } from './reconciliation/reconciliation-report.service.js';
import {
  AdminPaymentViewsController,
  DealerEscrowController,
} from './views/payment-views.controller.js';
import { PaymentViews } from './views/payment-views.service.js';
import { RefundsService } from './refunds.service.js';
import { RefundAfterReleaseController } from './refund-after-release.controller.js';
import { RefundsAfterReleaseService } from './refunds-after-release.service.js';
import { AdminRouteAccountsController } from './route/admin-route-accounts.controller.js';
import { RouteAccountsService } from './route/route-accounts.service.js';
import { RouteTransferLookup } from './route/route-transfer-lookup.js';
import { RouteTransfersService } from './route/route-transfers.service.js';
import { TcsCorrectionController } from './tcs-correction/tcs-correction.controller.js';
import { TcsCorrectionService } from './tcs-correction/tcs-correction.service.js';
import { SeedRouteCommand } from './route/seed-route.command.js';

/**
 * Payments of orders through the gateway (Razorpay, or the local sandbox), the escrow holds they
 * fund and their release to dealers. Needs DatabaseModule, JobsModule (global) and the ledger.
 */
@Module({
  imports: [
    GatewayModule,
    IdentityModule,
    LedgerModule,
    OrdersModule,
    PaymentWebhooksModule,
    StorageModule,
  ],
  controllers: [
    DisputesController,
    DealerDisputesController,
    AdminDisputesController,
    PaymentsController,
    AdminRouteAccountsController,
    AdminPaymentViewsController,
    DealerEscrowController,
    PaymentAlertsController,
    TransferRetryController,
    EscrowControlsController,
    AdminCommissionController,
    DealerCommissionInvoicesController,
    RefundAfterReleaseController,
    ReconciliationController,
    TcsCorrectionController,
  ],
  providers: [
    DisputesService,
    EvidenceBodyParser,
    PaymentsService,
    EscrowReleaseService,
    EscrowControlsService,
    PaymentWebhookHandlers,
    RefundsService,
    RefundsAfterReleaseService,
    RouteAccountsService,
    RouteTransfersService,
    RouteTransferLookup,
    PaymentViews,
    PaymentAlerts,
    TransferRetryService,
    PaymentReconciliation,
    ReconciliationReport,
    CommissionService,
    TcsCorrectionService,
    SeedRouteCommand,
  ],
  exports: [PaymentsService, EscrowReleaseService, SeedRouteCommand],
})
export class PaymentsModule {}
