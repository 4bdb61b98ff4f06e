import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { LedgerAdjustmentsController } from './adjustments/ledger-adjustments.controller.js';
import { LedgerAdjustmentsService } from './adjustments/ledger-adjustments.service.js';
import { ApproveAdjustmentHandler } from './commands/approve-adjustment.handler.js';
import { ProposeAdjustmentHandler } from './commands/propose-adjustment.handler.js';
import { RejectAdjustmentHandler } from './commands/reject-adjustment.handler.js';
import { LedgerAnchorService } from './integrity/ledger-anchor.service.js';
import { LedgerIntegrityService } from './integrity/ledger-integrity.service.js';
import { DatabaseClock, LedgerClock } from './persistence/ledger-clock.js';
import { LedgerService } from './persistence/ledger.service.js';
import { LedgerReadController } from './read/ledger-read.controller.js';
import { LedgerReadService } from './read/ledger-read.service.js';

/** The PostgreSQL ledger and its routes (manual adjustments, read side). Needs DatabaseModule (global TransactionRunner). */
@Module({
  // AuditModule is global in the app; imported here too so the module also boots on its own (tests).
  imports: [AuditModule, ApprovalsModule],
  controllers: [LedgerAdjustmentsController, LedgerReadController],
  providers: [
    LedgerService,
    { provide: LedgerClock, useClass: DatabaseClock },
    LedgerAdjustmentsService,
    ProposeAdjustmentHandler,
    ApproveAdjustmentHandler,
    RejectAdjustmentHandler,
    LedgerReadService,
    LedgerIntegrityService,
    LedgerAnchorService,
  ],
  exports: [LedgerService, LedgerIntegrityService, LedgerAnchorService, LedgerReadService],
})
export class LedgerModule {}
