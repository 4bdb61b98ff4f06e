import { Module } from '@nestjs/common';
import { DatabaseClock, LedgerClock } from './persistence/ledger-clock.js';
import { LedgerService } from './persistence/ledger.service.js';

/** The PostgreSQL ledger (no HTTP routes yet). Needs DatabaseModule (global TransactionRunner). */
@Module({
  providers: [LedgerService, { provide: LedgerClock, useClass: DatabaseClock }],
  exports: [LedgerService],
})
export class LedgerModule {}
