import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { EscrowControlsController } from './controls/escrow-controls.controller.js';
import { EscrowControlsService } from './controls/escrow-controls.service.js';
import { EscrowReleaseService } from './escrow-release.service.js';
import { RefundAfterReleaseController } from './refund-after-release.controller.js';
import { RefundsAfterReleaseService } from './refunds-after-release.service.js';
import { TcsCorrectionController } from './tcs-correction/tcs-correction.controller.js';
import { TcsCorrectionService } from './tcs-correction/tcs-correction.service.js';
import {
  AdminPaymentViewsController,
  DealerEscrowController,
} from './views/payment-views.controller.js';
import { PaymentViews } from './views/payment-views.service.js';

/**
 * The escrow holds that captured payments fund: their release to the dealer (the job, or a staff
 * early release), manual holds, refunds after release, TCS corrections of releases, and the finance
 * and dealer views of payments, escrow and payouts. Needs DatabaseModule and JobsModule (global),
 * the ledger and the commission rules (PayoutsModule).
 */
@Module({
  imports: [ApprovalsModule, LedgerModule, OrdersModule, PayoutsModule],
  controllers: [
    AdminPaymentViewsController,
    DealerEscrowController,
    EscrowControlsController,
    RefundAfterReleaseController,
    TcsCorrectionController,
  ],
  providers: [
    EscrowReleaseService,
    EscrowControlsService,
    RefundsAfterReleaseService,
    TcsCorrectionService,
    PaymentViews,
  ],
  exports: [EscrowReleaseService],
})
export class EscrowModule {}
