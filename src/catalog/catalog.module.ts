import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { ListingImageBodyParser } from './images/listing-image-body.parser.js';
import {
  CatalogListingImagesController,
  DealerListingImagesController,
} from './images/listing-images.controller.js';
import { ListingImagesService } from './images/listing-images.service.js';
import { DealerListingsController } from './listings/dealer-listings.controller.js';
import { DealerListingsService } from './listings/dealer-listings.service.js';
import { ListingModerationController } from './moderation/listing-moderation.controller.js';
import { ListingModerationService } from './moderation/listing-moderation.service.js';
import { CatalogSearchController } from './search/catalog-search.controller.js';
import { CatalogSearchService } from './search/catalog-search.service.js';

/**
 * The parts catalog: dealers' listings (prices, stock, moderation, images) and the buyers' search. Needs
 * DatabaseModule (global TransactionRunner) and AuditModule (global AuditService).
 */
@Module({
  imports: [StorageModule],
  controllers: [
    CatalogSearchController,
    CatalogListingImagesController,
    DealerListingsController,
    DealerListingImagesController,
    ListingModerationController,
  ],
  providers: [
    CatalogSearchService,
    DealerListingsService,
    ListingModerationService,
    ListingImagesService,
    ListingImageBodyParser,
  ],
})
export class CatalogModule {}
