import { Module } from '@nestjs/common';
import { DealerListingsController } from './listings/dealer-listings.controller.js';
import { DealerListingsService } from './listings/dealer-listings.service.js';
import { ListingModerationController } from './moderation/listing-moderation.controller.js';
import { ListingModerationService } from './moderation/listing-moderation.service.js';
import { CatalogSearchController } from './search/catalog-search.controller.js';
import { CatalogSearchService } from './search/catalog-search.service.js';

/**
 * The parts catalog: dealers' listings (prices, stock, moderation) and the buyers' search. Needs
 * DatabaseModule (global TransactionRunner) and AuditModule (global AuditService).
 */
@Module({
  controllers: [CatalogSearchController, DealerListingsController, ListingModerationController],
  providers: [CatalogSearchService, DealerListingsService, ListingModerationService],
})
export class CatalogModule {}
