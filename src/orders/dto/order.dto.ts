import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { PeriodQueryDto } from '../../common/period.js';
import { INDIAN_STATE_NAMES, type IndianState } from '../../common/indian-states.js';
import {
  MAX_CART_LINES,
  MAX_LINE_QUANTITY,
  type LineProblemCode,
} from '../domain/order-pricing.js';
import {
  SUB_ORDER_EVENTS,
  SUB_ORDER_STATUSES,
  type OrderActor,
  type SubOrderEvent,
  type SubOrderStatus,
} from '../domain/sub-order-state.js';
import { UUID } from '../../common/uuid.js';

export {
  ModerationReasonDto as ReasonDto,
  OptionalReasonDto,
} from '../../catalog/dto/listing.dto.js';

const NOT_BLANK = /\S/;
const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().replace(/\s+/g, ' ') : value;

const PAISE = { type: 'integer', description: 'Integer paise' } as const;
const CHANNELS = ['b2b', 'b2c'] as const;
type Channel = (typeof CHANNELS)[number];
/**
 * `awaiting_payment`, `paid`, `expired` (unpaid when its reservation ran out), `cancelled` (before
 * payment), and for a paid order whose refunds were processed: `partially_refunded` (some of it)
 * or `refunded` (every paid part refunded in full).
 */
export const PAYMENT_STATUSES = [
  'awaiting_payment',
  'paid',
  'partially_refunded',
  'refunded',
  'expired',
  'cancelled',
] as const;
export type OrderPaymentStatus = (typeof PAYMENT_STATUSES)[number];
const LINE_PROBLEMS: LineProblemCode[] = [
  'unavailable',
  'own-listing',
  'insufficient-stock',
  'below-min-quantity',
];

// ---- requests ----

export class ListingIdPathDto {
  @Matches(UUID, { message: 'listingId must be a UUID' })
  listingId!: string;
}

export class OrderIdParamDto {
  @Matches(UUID, { message: 'orderId must be a UUID' })
  orderId!: string;
}

export class SubOrderPathDto extends OrderIdParamDto {
  @Matches(UUID, { message: 'subOrderId must be a UUID' })
  subOrderId!: string;
}

export class DealerSubOrderParamDto {
  @Matches(UUID, { message: 'subOrderId must be a UUID' })
  subOrderId!: string;
}

/** Whole lines of one sub-order to cancel (a line's quantity is not split: see README). */
export class CancelLinesDto {
  /** The `lineNo` of each line to cancel, each once; at least one active line must remain. */
  @ApiProperty({ type: 'integer', isArray: true, minItems: 1, maxItems: MAX_CART_LINES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CART_LINES)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  lineNos!: number[];
  @IsOptional()
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason?: string;
}

export class CartQuantityDto {
  /** The quantity of this listing in the cart (replaces what was there). */
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_LINE_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_LINE_QUANTITY)
  quantity!: number;
}

export class ShippingAddressDto {
  /** Who receives the parcel. */
  @Transform(trimmed)
  @IsString()
  @Length(1, 120)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name!: string;

  /** E.164, e.g. +919876543210. */
  @IsString()
  @Matches(/^\+[1-9][0-9]{7,14}$/, { message: 'phone must be in E.164 form, e.g. +919876543210' })
  phone!: string;

  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'line1 must not be blank' })
  line1!: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(0, 200)
  line2?: string;

  @Transform(trimmed)
  @IsString()
  @Length(1, 80)
  @Matches(NOT_BLANK, { message: 'city must not be blank' })
  city!: string;

  /** State or union territory (decides CGST + SGST or IGST). */
  @ApiProperty({ enum: INDIAN_STATE_NAMES })
  @IsIn(INDIAN_STATE_NAMES)
  state!: IndianState;

  /** Six-digit PIN code. */
  @IsString()
  @Matches(/^[1-9][0-9]{5}$/, { message: 'pincode must be a six-digit PIN code' })
  pincode!: string;
}

export class CheckoutDto {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ShippingAddressDto)
  shippingAddress!: ShippingAddressDto;

  /**
   * The total the buyer saw (from `GET /cart`). When given and the cart now prices differently
   * (a price or delivery rule changed), checkout is refused with `order/total-changed` instead of charging a surprise.
   */
  @ApiPropertyOptional({ type: 'integer', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  expectedTotalPaise?: number;
}

export class ShipDto {
  @Transform(trimmed)
  @IsString()
  @Length(2, 60)
  @Matches(NOT_BLANK, { message: 'carrier must not be blank' })
  carrier!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9-]{4,40}$/, {
    message: 'trackingNumber must be 4–40 letters, digits or hyphens',
  })
  trackingNumber!: string;
}

export class BuyerOrderQueryDto extends PageQueryDto {
  /** Orders with at least one sub-order in this status. */
  @ApiPropertyOptional({ enum: SUB_ORDER_STATUSES })
  @IsOptional()
  @IsIn(SUB_ORDER_STATUSES)
  status?: SubOrderStatus;
}

export class DealerOrderQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SUB_ORDER_STATUSES })
  @IsOptional()
  @IsIn(SUB_ORDER_STATUSES)
  status?: SubOrderStatus;
}

/** The period (`from`, `to`) is on when the order was placed. */
export class AdminOrderQueryDto extends IntersectionType(PageQueryDto, PeriodQueryDto) {
  /** Orders with at least one sub-order in this status. */
  @ApiPropertyOptional({ enum: SUB_ORDER_STATUSES })
  @IsOptional()
  @IsIn(SUB_ORDER_STATUSES)
  status?: SubOrderStatus;

  /** Orders with a sub-order of this dealer. */
  @IsOptional()
  @Matches(UUID, { message: 'dealerId must be a UUID' })
  dealerId?: string;

  @IsOptional()
  @Matches(UUID, { message: 'buyerId must be a UUID' })
  buyerId?: string;

  /** Business (b2b) or consumer (b2c) orders. */
  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptional()
  @IsIn(CHANNELS)
  buyerType?: Channel;

  /** As orders show it: `paid` ones have no processed refund; `partially_refunded`, `refunded`. */
  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES)
  paymentStatus?: OrderPaymentStatus;

  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  minTotalPaise?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  maxTotalPaise?: number;
}

export class ChannelParamDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: Channel;
}

export class UpdateDeliveryRuleDto {
  /** Charged per sub-order (per dealer), GST-inclusive. */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10_000_000 })
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  flatFeePaise!: number;

  /** A sub-order whose item subtotal reaches this ships free; null = never free. */
  @ApiProperty({ type: 'integer', minimum: 1, nullable: true })
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  freeFromPaise!: number | null;

  /** Why: kept in the audit log. */
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

// ---- responses ----

export class LineProblemDto {
  @ApiProperty({ enum: LINE_PROBLEMS })
  code!: LineProblemCode;
  detail!: string;
}

export class CartLineDto {
  listingId!: string;
  sku!: string;
  name!: string;
  brand!: string;
  condition!: string;
  quantity!: number;
  @ApiProperty(PAISE)
  mrpPaise!: number;
  /** The unit price of the caller's channel at this quantity (B2B tiers applied). */
  @ApiProperty(PAISE)
  unitPricePaise!: number;
  @ApiProperty(PAISE)
  lineTotalPaise!: number;
  /** GST included in the line total. */
  @ApiProperty(PAISE)
  taxPaise!: number;
  /** Units available now (up to 100: "100 or more"). */
  available!: number;
  /** B2B minimum quantity per order line (business buyers only). */
  b2bMinQty!: number | null;
  /** Why this line cannot be checked out as it is; empty when it can. */
  problems!: LineProblemDto[];
}

export class CartGroupDto {
  dealerId!: string;
  dealerName!: string;
  lines!: CartLineDto[];
  @ApiProperty(PAISE)
  itemsPaise!: number;
  /** This dealer's delivery charge (the channel's rule). */
  @ApiProperty(PAISE)
  deliveryPaise!: number;
  @ApiProperty(PAISE)
  totalPaise!: number;
}

export class MinimumOrderDto {
  /** The channel's minimum item subtotal (GST-inclusive, excluding delivery). */
  @ApiProperty(PAISE)
  minimumPaise!: number;
  met!: boolean;
  /** How much more to add; 0 when met. */
  @ApiProperty(PAISE)
  shortfallPaise!: number;
}

export class CartDto {
  @ApiProperty({ enum: CHANNELS })
  channel!: Channel;
  /** One group per dealer: each becomes a separately shipped sub-order. */
  groups!: CartGroupDto[];
  @ApiProperty(PAISE)
  itemsPaise!: number;
  @ApiProperty(PAISE)
  deliveryPaise!: number;
  @ApiProperty(PAISE)
  totalPaise!: number;
  minimumOrder!: MinimumOrderDto;
  /** Every line buyable as asked and the minimum met: `POST /checkout` will accept it. */
  readyForCheckout!: boolean;
}

export class OrderLineDto {
  lineNo!: number;
  listingId!: string;
  sku!: string;
  name!: string;
  brand!: string;
  condition!: string;
  hsnCode!: string;
  gstRateBps!: number;
  @ApiProperty(PAISE)
  mrpPaise!: number;
  quantity!: number;
  /** The price snapshotted at checkout (GST-inclusive). */
  @ApiProperty(PAISE)
  unitPricePaise!: number;
  @ApiProperty(PAISE)
  lineTotalPaise!: number;
  /**
   * The line's part of the sub-order's delivery charge (pro rata to the lines' taxable value):
   * delivery is part of the dealer's supply of the goods, taxed at the line's rate.
   */
  @ApiProperty(PAISE)
  deliverySharePaise!: number;
  /** Of the line total plus its delivery share. */
  @ApiProperty(PAISE)
  taxableValuePaise!: number;
  @ApiProperty(PAISE)
  cgstPaise!: number;
  @ApiProperty(PAISE)
  sgstPaise!: number;
  @ApiProperty(PAISE)
  igstPaise!: number;
  /** `cancelled`: the buyer cancelled this line before shipping (refunded if paid); not in the totals. */
  @ApiProperty({ enum: ['active', 'cancelled'] })
  status!: 'active' | 'cancelled';
  cancelledAt!: string | null;
}

export class SubOrderHistoryDto {
  /** `cancel_lines`: some lines cancelled (the status does not change). */
  @ApiProperty({ enum: [...SUB_ORDER_EVENTS, 'place', 'cancel_lines'] })
  event!: SubOrderEvent | 'place' | 'cancel_lines';
  @ApiProperty({ enum: SUB_ORDER_STATUSES, nullable: true })
  fromStatus!: SubOrderStatus | null;
  @ApiProperty({ enum: SUB_ORDER_STATUSES })
  toStatus!: SubOrderStatus;
  @ApiProperty({ enum: ['buyer', 'dealer', 'admin', 'payment', 'system'] })
  actor!: OrderActor;
  reason!: string | null;
  at!: string;
}

export class SubOrderDto {
  id!: string;
  orderId!: string;
  dealerId!: string;
  dealerName!: string;
  dealerGstin!: string;
  @ApiProperty({ enum: SUB_ORDER_STATUSES })
  status!: SubOrderStatus;
  @ApiProperty({ enum: ['intra_state', 'inter_state'], nullable: true })
  supply!: 'intra_state' | 'inter_state' | null;
  @ApiProperty(PAISE)
  itemsPaise!: number;
  /** The delivery charge snapshotted at checkout. */
  @ApiProperty(PAISE)
  deliveryPaise!: number;
  @ApiProperty(PAISE)
  totalPaise!: number;
  @ApiProperty(PAISE)
  taxPaise!: number;
  carrier!: string | null;
  trackingNumber!: string | null;
  @ApiProperty({ enum: ['buyer', 'dealer', 'admin', 'system'], nullable: true })
  cancelledBy!: 'buyer' | 'dealer' | 'admin' | 'system' | null;
  cancelReason!: string | null;
  shippedAt!: string | null;
  deliveredAt!: string | null;
  /**
   * Delivery + the return window (ORDER_AUTO_COMPLETE_HOURS): while the part is `delivered`, the
   * buyer may open a return or dispute until then, after which it completes and the dealer is paid.
   * Null until delivered.
   */
  returnWindowEndsAt!: string | null;
  /** Refunds of this part processed so far (money back with the buyer). */
  @ApiProperty(PAISE)
  refundedPaise!: number;
  createdAt!: string;
  updatedAt!: string;
  lines!: OrderLineDto[];
  /** Every transition, oldest first (detail views only). */
  history?: SubOrderHistoryDto[];
}

export class ShippingAddressViewDto {
  name!: string;
  phone!: string;
  line1!: string;
  line2?: string;
  city!: string;
  state!: string;
  pincode!: string;
}

export class OrderDto {
  id!: string;
  buyerId!: string;
  @ApiProperty({ enum: CHANNELS })
  channel!: Channel;
  buyerGstin!: string | null;
  buyerBusinessName!: string | null;
  shippingAddress!: ShippingAddressViewDto;
  /** Totals as placed (snapshot). */
  @ApiProperty(PAISE)
  itemsPaise!: number;
  @ApiProperty(PAISE)
  deliveryPaise!: number;
  @ApiProperty(PAISE)
  totalPaise!: number;
  /** What a payment collects now: the sub-orders still awaiting payment. */
  @ApiProperty(PAISE)
  payablePaise!: number;
  /** The channel's minimum order value when the order was placed. */
  @ApiProperty(PAISE)
  minimumOrderPaise!: number;
  @ApiProperty({ enum: PAYMENT_STATUSES })
  paymentStatus!: OrderPaymentStatus;
  /**
   * Refunds of the order's parts processed so far (cancellations, returns and disputes, refunds
   * after release); every refund, with its state, is at `GET /orders/{orderId}/payments/refunds`.
   */
  @ApiProperty(PAISE)
  refundedPaise!: number;
  /** Stock is held until then; unpaid, the order expires. */
  reservationExpiresAt!: string;
  paidAt!: string | null;
  createdAt!: string;
  subOrders!: SubOrderDto[];
}

export class OrderPageDto {
  items!: OrderDto[];
  nextCursor?: string;
}

export class DealerSubOrderDto extends SubOrderDto {
  @ApiProperty({ enum: CHANNELS })
  channel!: Channel;
  buyerName!: string;
  buyerGstin!: string | null;
  /** Shown once paid (nothing to ship before). */
  shippingAddress!: ShippingAddressViewDto | null;
}

export class DealerSubOrderPageDto {
  items!: DealerSubOrderDto[];
  nextCursor?: string;
}

export class DeliveryRuleDto {
  @ApiProperty({ enum: CHANNELS })
  channel!: Channel;
  @ApiProperty(PAISE)
  flatFeePaise!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Integer paise' })
  freeFromPaise!: number | null;
  updatedAt!: string;
}
