import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module.js';
import { RecordPayoutHandler } from './commands/record-payout.handler.js';
import { ReleaseTransferHandler } from './commands/release-transfer.handler.js';
import { SettleHandler } from './commands/settle.handler.js';
import { TransferHoldHandler } from './commands/transfer-hold.handler.js';
import { GatewayModule } from '../gateway/gateway.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import {
  AdminCommissionController,
  DealerCommissionInvoicesController,
  TechnicianCommissionInvoicesController,
} from './commission/commission.controller.js';
import { CommissionService } from './commission/commission.service.js';
import { AdminPayeesController, PayeesController } from './payees/payees.controller.js';
import { PayeeSettlementService } from './payees/payee-settlement.service.js';
import { AdminRouteAccountsController } from './route/admin-route-accounts.controller.js';
import { RouteAccountsService } from './route/route-accounts.service.js';
import { RouteTransferLookup } from './route/route-transfer-lookup.js';
import { RouteTransfersService } from './route/route-transfers.service.js';
import { SeedPayeesCommand } from './payees/seed-payees.command.js';
import { SeedRouteCommand } from './route/seed-route.command.js';
import { SettlementWebhookHandler } from './settlements/settlement-webhook-handler.js';
import { TransferRetryController } from './transfer-retry/transfer-retry.controller.js';
import { TransferRetryService } from './transfer-retry/transfer-retry.service.js';

/**
 * Money out to payees: their settlement details (held for review), Razorpay Route linked accounts
 * (onboarding: account, stakeholder, product configuration, activation) and the transfers of
 * escrow holds to them (on hold until release; staff retry of failed ones), settlements (the
 * platform's, and dealers' payouts, posted from `settlement.processed`), commission rules and the
 * commission invoice data written at release. Other modules enqueue its queues by name (route-jobs.ts)
 * and the escrow release uses CommissionService. Needs DatabaseModule and JobsModule (global).
 */
@Module({
  imports: [ApprovalsModule, GatewayModule, IdentityModule, LedgerModule],
  controllers: [
    PayeesController,
    AdminPayeesController,
    AdminRouteAccountsController,
    TransferRetryController,
    AdminCommissionController,
    DealerCommissionInvoicesController,
    TechnicianCommissionInvoicesController,
  ],
  providers: [
    PayeeSettlementService,
    RouteAccountsService,
    RouteTransfersService,
    RouteTransferLookup,
    TransferRetryService,
    CommissionService,
    SeedPayeesCommand,
    SeedRouteCommand,
    SettlementWebhookHandler,
    SettleHandler,
    RecordPayoutHandler,
    TransferHoldHandler,
    ReleaseTransferHandler,
  ],
  exports: [CommissionService, PayeeSettlementService, SeedPayeesCommand, SeedRouteCommand],
})
export class PayoutsModule {}
