import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  NotEquals,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { MAX_TIERS } from '../domain/listing-pricing.js';
import { LISTING_STATUSES, type ListingStatus } from '../domain/listing-state.js';

import {
  GST_RATES_BPS,
  LISTING_CATEGORIES,
  LISTING_CONDITIONS,
  type ListingCategory,
  type ListingCondition,
} from '../domain/listing-kinds.js';
import { UUID } from '../../common/uuid.js';

export {
  GST_RATES_BPS,
  LISTING_CATEGORIES,
  LISTING_CONDITIONS,
  type ListingCategory,
  type ListingCondition,
};

const NOT_BLANK = /\S/;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
const HSN = /^[0-9]{4}([0-9]{2}){0,2}$/;

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().replace(/\s+/g, ' ') : value;
const trimmedEach = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value)
    ? value.map((v: unknown) => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : v))
    : value;
/** `true` / `false` only; anything else stays a string and fails @IsBoolean. */
const booleanFlag = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

const PAISE = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

export class ListingTierDto {
  /** From this quantity per order line on (above the B2B minimum quantity; strictly increasing). */
  @ApiProperty({ type: 'integer', minimum: 2, maximum: 1_000_000 })
  @IsInt()
  @Min(2)
  @Max(1_000_000)
  minQty!: number;

  /** Unit price at that quantity, integer paise (at most the B2B price; non-increasing). */
  @ApiProperty(PAISE)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  pricePaise!: number;
}

/** The prices of a listing: all integer paise, GST-inclusive. */
export class ListingPricesDto {
  /** Maximum retail price. */
  @ApiProperty(PAISE)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  mrpPaise!: number;

  /** Price for consumers (at most the MRP). */
  @ApiProperty(PAISE)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  b2cPricePaise!: number;

  /** Price for verified business buyers (at most the B2C price). */
  @ApiProperty(PAISE)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  b2bPricePaise!: number;

  /** Minimum quantity per order line at the B2B price (omit or null: none). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  b2bMinQty?: number | null;

  /** B2B quantity tiers, by strictly increasing minQty (at most 10). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_TIERS)
  @ValidateNested({ each: true })
  @Type(() => ListingTierDto)
  tiers?: ListingTierDto[];
}

/** A new listing (created as a draft). */
export class CreateListingDto extends ListingPricesDto {
  /** The dealer's stock-keeping unit, unique among its listings. */
  @ApiProperty({ pattern: SKU.source })
  @IsString()
  @Matches(SKU, {
    message:
      'sku must be 1-64 letters, digits, ".", "_", "/" or "-", starting with a letter or digit',
  })
  sku!: string;

  @Transform(trimmed)
  @IsString()
  @Length(3, 200)
  name!: string;

  @IsIn(LISTING_CATEGORIES)
  category!: ListingCategory;

  @Transform(trimmed)
  @IsString()
  @Length(1, 60)
  brand!: string;

  /** Device models the part fits (1 to 100). */
  @Transform(trimmedEach)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  compatibleModels!: string[];

  @IsIn(LISTING_CONDITIONS)
  condition!: ListingCondition;

  /** HSN code: 4, 6 or 8 digits. */
  @ApiProperty({ pattern: HSN.source })
  @IsString()
  @Matches(HSN, { message: 'hsnCode must be 4, 6 or 8 digits' })
  hsnCode!: string;

  /** GST rate in basis points (1800 = 18%). */
  @ApiProperty({ enum: GST_RATES_BPS })
  @IsIn(GST_RATES_BPS)
  gstRateBps!: number;

  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  /** Units on hand at creation (default 0). */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 10_000_000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  stockOnHand?: number;
}

/** Fields a dealer may change (prices have their own route: the jump rule applies there). */
export class UpdateListingDto {
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(3, 200)
  name?: string;

  @IsOptional()
  @IsIn(LISTING_CATEGORIES)
  category?: ListingCategory;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(1, 60)
  brand?: string;

  @IsOptional()
  @Transform(trimmedEach)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  compatibleModels?: string[];

  @IsOptional()
  @IsIn(LISTING_CONDITIONS)
  condition?: ListingCondition;

  @ApiPropertyOptional({ pattern: HSN.source })
  @IsOptional()
  @IsString()
  @Matches(HSN, { message: 'hsnCode must be 4, 6 or 8 digits' })
  hsnCode?: string;

  @ApiPropertyOptional({ enum: GST_RATES_BPS })
  @IsOptional()
  @IsIn(GST_RATES_BPS)
  gstRateBps?: number;

  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;
}

/** A complete new price set (what is omitted is cleared: no minimum quantity, no tiers). */
export class ChangePricesDto extends ListingPricesDto {}

export class SetStockDto {
  /** The new quantity on hand (not below what unpaid checkouts hold). */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10_000_000 })
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  onHand!: number;

  @IsOptional()
  @IsString()
  @Length(3, 500)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;
}

export class AdjustStockDto {
  /** Units added (positive) or taken out (negative) of stock on hand. */
  @ApiProperty({ type: 'integer', minimum: -10_000_000, maximum: 10_000_000 })
  @IsInt()
  @NotEquals(0, { message: 'delta must not be 0' })
  @Min(-10_000_000)
  @Max(10_000_000)
  delta!: number;

  /** Why (received a shipment, damaged in storage, stock count…). */
  @IsString()
  @Length(3, 500)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class ListingIdParamDto {
  @Matches(UUID, { message: 'listingId must be a UUID' })
  listingId!: string;
}

export class DealerListingQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(LISTING_STATUSES)
  status?: ListingStatus;
}

export class AdminListingQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(LISTING_STATUSES)
  status?: ListingStatus;

  /** Only this dealer's listings. */
  @IsOptional()
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId?: string;

  /** true: only listings flagged as near-duplicates; false: only unflagged ones. */
  @ApiPropertyOptional({ type: 'boolean' })
  @IsOptional()
  @Transform(booleanFlag)
  @IsBoolean()
  duplicate?: boolean;

  /** true: only listings with a price change held for review; false: only without one. */
  @ApiPropertyOptional({ type: 'boolean' })
  @IsOptional()
  @Transform(booleanFlag)
  @IsBoolean()
  heldPrice?: boolean;
}

export class ModerationReasonDto {
  /** Why: kept on the listing's history and in the audit log. */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class OptionalReasonDto {
  @IsOptional()
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;
}

// ---- responses ----

export class ListingTierViewDto {
  minQty!: number;
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  pricePaise!: number;
}

export class PriceSetViewDto {
  @ApiProperty({ type: 'integer' })
  mrpPaise!: number;
  @ApiProperty({ type: 'integer' })
  b2cPricePaise!: number;
  @ApiProperty({ type: 'integer' })
  b2bPricePaise!: number;
  @ApiProperty({ type: 'integer', nullable: true })
  b2bMinQty!: number | null;
  tiers!: ListingTierViewDto[];
}

export class HeldPriceViewDto extends PriceSetViewDto {
  /** When the dealer asked for it. */
  requestedAt!: string;
}

export class ListingDto {
  id!: string;
  dealerId!: string;
  sku!: string;
  name!: string;
  @ApiProperty({ enum: LISTING_CATEGORIES })
  category!: ListingCategory;
  brand!: string;
  compatibleModels!: string[];
  @ApiProperty({ enum: LISTING_CONDITIONS })
  condition!: ListingCondition;
  hsnCode!: string;
  gstRateBps!: number;
  description!: string;
  @ApiProperty({ type: 'integer' })
  mrpPaise!: number;
  @ApiProperty({ type: 'integer' })
  b2cPricePaise!: number;
  @ApiProperty({ type: 'integer' })
  b2bPricePaise!: number;
  @ApiProperty({ type: 'integer', nullable: true })
  b2bMinQty!: number | null;
  tiers!: ListingTierViewDto[];
  stockOnHand!: number;
  /** Held by unpaid checkouts. */
  stockReserved!: number;
  /** On hand minus reserved. */
  stockAvailable!: number;
  @ApiProperty({ enum: LISTING_STATUSES })
  status!: ListingStatus;
  /** Who paused it (only admin lifts an admin pause). */
  @ApiProperty({ enum: ['dealer', 'admin'], nullable: true })
  pausedBy!: 'dealer' | 'admin' | null;
  /** The reason of the last moderation (rejection, admin pause, removal). */
  statusReason!: string | null;
  /** A price change held for admin review (the live prices above stay until it is approved). */
  pendingPrice!: HeldPriceViewDto | null;
  /** Flagged as a near-duplicate of this listing of the same dealer. */
  duplicateOf!: string | null;
  /** Increases with every change. */
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class ListingStatusChangeDto {
  @ApiProperty({ enum: LISTING_STATUSES, nullable: true })
  fromStatus!: ListingStatus | null;
  @ApiProperty({ enum: LISTING_STATUSES })
  toStatus!: ListingStatus;
  reason!: string | null;
  actorId!: string | null;
  actorRole!: string;
  at!: string;
}

export class ListingPriceChangeDto extends PriceSetViewDto {
  /** live: went live; held: held for review; approved / rejected: the review's outcome. */
  @ApiProperty({ enum: ['live', 'held', 'approved', 'rejected'] })
  kind!: 'live' | 'held' | 'approved' | 'rejected';
  actorId!: string | null;
  reason!: string | null;
  at!: string;
}

export class ListingDetailDto extends ListingDto {
  /** Status changes, oldest first (the latest 200). */
  statusHistory!: ListingStatusChangeDto[];
  /** Price changes, oldest first (the latest 200). */
  priceHistory!: ListingPriceChangeDto[];
}

export class ListingPageDto {
  items!: ListingDto[];
  /** Pass as `cursor` to fetch the next page; absent on the last page. */
  nextCursor?: string;
}

export class PriceJumpDto {
  @ApiProperty({ enum: ['mrpPaise', 'b2cPricePaise', 'b2bPricePaise'] })
  price!: 'mrpPaise' | 'b2cPricePaise' | 'b2bPricePaise';
  /** The lowest live price within the window. */
  baselinePaise!: number;
  proposedPaise!: number;
}

export class PriceChangeResultDto {
  /** live: the new prices are live (200); held: held for admin review, live prices unchanged (202). */
  @ApiProperty({ enum: ['live', 'held'] })
  outcome!: 'live' | 'held';
  /** With `held`: the prices raised beyond the allowed jump. */
  jumps?: PriceJumpDto[];
  listing!: ListingDto;
}

export class StockMovementDto {
  id!: string;
  @ApiProperty({ enum: ['set', 'adjust', 'reserve', 'release', 'sell', 'restock'] })
  kind!: 'set' | 'adjust' | 'reserve' | 'release' | 'sell' | 'restock';
  onHandDelta!: number;
  reservedDelta!: number;
  onHandAfter!: number;
  reservedAfter!: number;
  reason!: string | null;
  reference!: string | null;
  actorId!: string | null;
  at!: string;
}

export class StockMovementPageDto {
  items!: StockMovementDto[];
  nextCursor?: string;
}
