import { Module } from '@nestjs/common';

/**
 * The parts catalog: dealers' listings (prices, stock, moderation) and the buyers' search. Needs
 * DatabaseModule (global TransactionRunner) and AuditModule (global AuditService).
 */
@Module({
  controllers: [],
  providers: [],
})
export class CatalogModule {}
