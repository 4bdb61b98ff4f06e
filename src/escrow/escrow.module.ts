import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { PaymentsModule } from '../payments/payments.module.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { ApproveEarlyReleaseHandler } from './commands/approve-early-release.handler.js';
import { ApproveTcsCorrectionHandler } from './commands/approve-tcs-correction.handler.js';
import { LiftJobManualHoldHandler } from './commands/lift-job-manual-hold.handler.js';
import { LiftManualHoldHandler } from './commands/lift-manual-hold.handler.js';
import { PlaceJobManualHoldHandler } from './commands/place-job-manual-hold.handler.js';
import { PlaceManualHoldHandler } from './commands/place-manual-hold.handler.js';
import { ProposeTcsCorrectionHandler } from './commands/propose-tcs-correction.handler.js';
import { RefundAfterReleaseHandler } from './commands/refund-after-release.handler.js';
import { RefundRepairAfterReleaseHandler } from './commands/refund-repair-after-release.handler.js';
import { RefundRepairAtReleaseHandler } from './commands/refund-repair-at-release.handler.js';
import { RejectEarlyReleaseHandler } from './commands/reject-early-release.handler.js';
import { RejectTcsCorrectionHandler } from './commands/reject-tcs-correction.handler.js';
import { ReleaseEscrowHandler } from './commands/release-escrow.handler.js';
import { RequestEarlyReleaseHandler } from './commands/request-early-release.handler.js';
import { RequestJobEarlyReleaseHandler } from './commands/request-job-early-release.handler.js';
import { EscrowControlsController } from './controls/escrow-controls.controller.js';
import { EscrowControlsService } from './controls/escrow-controls.service.js';
import { EscrowReleaseService } from './escrow-release.service.js';
import { AfterReleaseRefundPosting } from './refund-after-release-posting.js';
import { RefundAfterReleaseController } from './refund-after-release.controller.js';
import { RepairRefundController } from './repair-refund.controller.js';
import { TcsCorrectionController } from './tcs-correction/tcs-correction.controller.js';
import { TcsCorrectionService } from './tcs-correction/tcs-correction.service.js';
import {
  AdminPaymentViewsController,
  DealerEscrowController,
} from './views/payment-views.controller.js';
import { PaymentViews } from './views/payment-views.service.js';
import { TechnicianEarningsController } from './views/technician-earnings.controller.js';
import { TechnicianEarnings } from './views/technician-earnings.service.js';

/**
 * The escrow holds that captured payments fund: their release to the dealer or technician (the
 * job, or a staff early release), manual holds (of a sub-order's or a repair job's escrow), refunds after release, TCS corrections of releases,
 * and the finance, dealer and technician views of payments, escrow, earnings and payouts. Needs DatabaseModule and JobsModule (global),
 * the ledger and the commission rules (PayoutsModule).
 */
@Module({
  imports: [ApprovalsModule, LedgerModule, OrdersModule, PaymentsModule, PayoutsModule],
  controllers: [
    AdminPaymentViewsController,
    DealerEscrowController,
    EscrowControlsController,
    RefundAfterReleaseController,
    RepairRefundController,
    TcsCorrectionController,
    TechnicianEarningsController,
  ],
  providers: [
    AfterReleaseRefundPosting,
    EscrowReleaseService,
    ReleaseEscrowHandler,
    EscrowControlsService,
    TcsCorrectionService,
    PlaceManualHoldHandler,
    LiftManualHoldHandler,
    RequestEarlyReleaseHandler,
    PlaceJobManualHoldHandler,
    LiftJobManualHoldHandler,
    RequestJobEarlyReleaseHandler,
    ApproveEarlyReleaseHandler,
    RejectEarlyReleaseHandler,
    RefundAfterReleaseHandler,
    RefundRepairAtReleaseHandler,
    RefundRepairAfterReleaseHandler,
    ProposeTcsCorrectionHandler,
    ApproveTcsCorrectionHandler,
    RejectTcsCorrectionHandler,
    PaymentViews,
    TechnicianEarnings,
  ],
  exports: [EscrowReleaseService],
})
export class EscrowModule {}
