/**
 * The public catalog: search query and the listing as a buyer sees it.
 *
 * Prices are integer paise (GST-inclusive) as JSON numbers. What a caller sees depends on its
 * channel (see `PriceChannel`): the response of one channel never carries the other channel's
 * price, not even as an empty or null member.
 */
import { IntersectionType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { CatalogListingImageDto } from './listing-image.dto.js';

import {
  LISTING_CATEGORIES as CATALOG_CATEGORIES,
  LISTING_CONDITIONS as CATALOG_CONDITIONS,
  type ListingCategory as CatalogCategory,
  type ListingCondition as CatalogCondition,
} from '../domain/listing-kinds.js';

export { CATALOG_CATEGORIES, CATALOG_CONDITIONS, type CatalogCategory, type CatalogCondition };

export const CATALOG_SORTS = ['relevance', 'price_asc', 'price_desc', 'newest'] as const;
export type CatalogSort = (typeof CATALOG_SORTS)[number];

/**
 * Which prices a caller sees: `b2c` (anonymous visitors, consumers, and every account that is not an
 * approved business buyer or staff), `b2b` (approved business buyers), `staff` (approved admin,
 * ops leader, finance, compliance, cfo: both prices, explicitly named).
 */
export const PRICE_CHANNELS = ['b2c', 'b2b', 'staff'] as const;
export type PriceChannel = (typeof PRICE_CHANNELS)[number];

/** Largest price filter accepted: ₹1,00,00,00,000 in paise. */
const MAX_PRICE_PAISE = 10_000_000_000;

/** A query-string value trimmed; a blank one counts as absent. */
const trimmed = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  return t === '' ? undefined : t;
};

/** `true` / `false` only; anything else stays a string and fails @IsBoolean. */
const booleanFlag = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class CatalogFilterQueryDto {
  /**
   * Free text over name, brand, compatible models, category and SKU, case-insensitive: listings with
   * every word (full text; `"exact phrase"` and `-word` work). When none has them all, misspelt words
   * are corrected to the catalog's nearest words (not words with digits, such as model numbers, nor
   * words under 4 letters) and the listings with every word — for 3 words or more, then those
   * lacking one — are shown, so typos still find ("iphone 13 displya"); `correctedQuery` in the
   * response says what was searched. Blank = absent.
   */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  q?: string;

  /** Only this category. */
  @IsOptional()
  @IsIn(CATALOG_CATEGORIES)
  category?: CatalogCategory;

  /** Only this brand (case-insensitive, exact). */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(60)
  brand?: string;

  /**
   * Only listings compatible with this device model: equal to one of the listing's compatible models,
   * ignoring case, surrounding spaces and repeated inner spaces ("iphone  13" = "iPhone 13"; it does
   * not match "iPhone 13 Pro").
   */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  model?: string;

  /** Only this condition. */
  @IsOptional()
  @IsIn(CATALOG_CONDITIONS)
  condition?: CatalogCondition;

  /** Lowest price (integer paise, inclusive) of the caller's channel (B2B price for business buyers). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_PAISE)
  minPrice?: number;

  /** Highest price (integer paise, inclusive) of the caller's channel; not below `minPrice`. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_PAISE)
  maxPrice?: number;

  /** `true`: only listings with units available now; `false`: only listings out of stock. */
  @IsOptional()
  @Transform(booleanFlag)
  @IsBoolean()
  inStock?: boolean;

  /**
   * Order of results: `relevance` (best text match first; the default with `q`; without `q` it is
   * `newest`), `price_asc` / `price_desc` (the caller's channel price), `newest` (the default
   * without `q`). Ties are broken by listing id, so pages never skip or repeat a listing.
   */
  @IsOptional()
  @IsIn(CATALOG_SORTS)
  sort?: CatalogSort;
}

export class CatalogSearchQueryDto extends IntersectionType(PageQueryDto, CatalogFilterQueryDto) {}

export class CatalogListingIdParamDto {
  @IsUUID()
  id!: string;
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

export class CatalogDealerDto {
  id!: string;
  /** The dealer's trading name. No contact details or tax ids are published. */
  businessName!: string;
}

export class CatalogTierDto {
  /** From this quantity (per order line) on… */
  minQty!: number;
  /** …this unit price, integer paise. */
  pricePaise!: number;
}

export class CatalogListingDto {
  id!: string;
  /** Which prices this response carries (see the price members). */
  channel!: PriceChannel;
  name!: string;
  category!: CatalogCategory;
  brand!: string;
  compatibleModels!: string[];
  condition!: CatalogCondition;
  sku!: string;
  hsnCode!: string;
  /** GST rate in basis points (1800 = 18%); prices include it. */
  gstRateBps!: number;
  dealer!: CatalogDealerDto;
  /** Maximum retail price (printed), integer paise. */
  mrpPaise!: number;
  /**
   * The caller's unit price, integer paise: the B2C price on channel `b2c`, the B2B price on channel
   * `b2b`. Absent on channel `staff` (see `b2cPricePaise`, `b2bPricePaise`).
   */
  pricePaise?: number;
  /** Channels `b2b` and `staff`: minimum quantity per order line at the B2B price (null: none). */
  b2bMinQty?: number | null;
  /** Channels `b2b` and `staff`: B2B quantity tiers, by ascending `minQty`. */
  tiers?: CatalogTierDto[];
  /** Channel `staff` only: the B2C price. */
  b2cPricePaise?: number;
  /** Channel `staff` only: the B2B price. */
  b2bPricePaise?: number;
  /** Units can be bought now (on hand minus reserved by unpaid checkouts > 0). */
  inStock!: boolean;
  /**
   * Units available now (on hand minus reserved). Buyers see at most 100 (100 means "100 or
   * more"); staff see the exact count.
   */
  available!: number;
  createdAt!: string;
}

export class CatalogListingDetailDto extends CatalogListingDto {
  description!: string;
  /** The listing's images in display order (the first is the cover image). */
  images!: CatalogListingImageDto[];
}

export class CatalogListingPageDto {
  /** The price channel of every item. */
  channel!: PriceChannel;
  /**
   * Present when `q` as typed matched nothing and words of it were corrected or left out (nothing in
   * the catalog resembles them): the words searched instead, lower case, each misspelt word as its
   * closest catalog word (e.g. "iphone 13 display" for "iphone 13 displya"). The items are the
   * listings with all of these words (any close spelling), then, for 3 words or more, those lacking
   * one of them.
   */
  correctedQuery?: string;
  items!: CatalogListingDto[];
  /** Pass as `cursor` (with the same criteria and sort) for the next page; absent on the last page. */
  nextCursor?: string;
}
