import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  CatalogListingDetailDto,
  CatalogListingIdParamDto,
  CatalogListingPageDto,
  CatalogSearchQueryDto,
} from '../dto/catalog-search.dto.js';
import { CatalogSearchService } from './catalog-search.service.js';
import { priceChannelOf } from './price-channel.js';

/**
 * The public catalog: anyone may browse; a signed-in caller (Bearer token, optional) sees the prices
 * of its channel — B2B for approved business buyers, both for staff, B2C for everyone else.
 */
@ApiTags('catalog')
@Controller('catalog/listings')
export class CatalogSearchController {
  constructor(private readonly catalog: CatalogSearchService) {}

  /** Active listings of approved dealers matching every given criterion, with cursor pagination. */
  @Get()
  @Public({ tokenOptional: true })
  @ApiOperation({ summary: 'Search the parts catalog' })
  @ApiOkResponse({ type: CatalogListingPageDto })
  async search(
    @Query() query: CatalogSearchQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<CatalogListingPageDto> {
    const { limit, cursor, ...criteria } = query;
    return this.catalog.search(priceChannelOf(meta.principal), criteria, { limit, cursor });
  }

  /** One listing, if visible (active, of an approved dealer). */
  @Get(':id')
  @Public({ tokenOptional: true })
  @ApiOperation({ summary: 'One catalog listing' })
  @ApiOkResponse({ type: CatalogListingDetailDto })
  @ApiNotFoundResponse({ description: 'No visible listing with this id' })
  async listing(
    @Param() params: CatalogListingIdParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<CatalogListingDetailDto> {
    return this.catalog.listing(priceChannelOf(meta.principal), params.id);
  }
}
