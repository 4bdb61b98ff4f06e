import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module.js';
import { ReturnsController, TdsStatementController } from './returns.controller.js';
import { ReturnsService } from './returns.service.js';

/**
 * Statutory returns from the ledger: GSTR-8 (TCS) and 194-O (TDS) with their reconciliation, period
 * close, tax payments (README "Statutory returns"). Needs DatabaseModule, AuditModule (global).
 */
@Module({
  imports: [LedgerModule],
  controllers: [ReturnsController, TdsStatementController],
  providers: [ReturnsService],
})
export class ReturnsModule {}
