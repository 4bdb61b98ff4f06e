import { Body, Controller, Delete, Get, Headers, Param, Post, Put, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { IDEMPOTENCY_HEADER, requireIdempotencyKey } from '../database/idempotency.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import { CartService } from './cart.service.js';
import { PlaceOrderCommand } from './commands/place-order.command.js';
import {
  CartDto,
  CartQuantityDto,
  CheckoutDto,
  ListingIdPathDto,
  OrderDto,
} from './dto/order.dto.js';

/**
 * The caller's cart (approved customers, business buyers, technicians and dealers) and checkout.
 * Business buyers see and pay B2B prices; everyone else B2C. The cart shows the same checks checkout
 * applies: line problems, delivery charges per dealer and the minimum order value.
 */
@ApiTags('cart')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller()
export class CartController {
  constructor(
    private readonly cart: CartService,
    private readonly commands: CommandBus,
  ) {}

  @Get('cart')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'My cart, priced, with the minimum-order check' })
  get(@Meta() meta: RequestMeta): Promise<CartDto> {
    return this.cart.get(meta);
  }

  /** Adds a listing or sets its quantity. */
  @Put('cart/items/:listingId')
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Put a listing in my cart (or change its quantity)' })
  put(
    @Param() p: ListingIdPathDto,
    @Body() dto: CartQuantityDto,
    @Meta() meta: RequestMeta,
  ): Promise<CartDto> {
    return this.cart.setQuantity(p.listingId, dto.quantity, meta);
  }

  @Delete('cart/items/:listingId')
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Remove a listing from my cart' })
  remove(@Param() p: ListingIdPathDto, @Meta() meta: RequestMeta): Promise<CartDto> {
    return this.cart.remove(p.listingId, meta);
  }

  @Delete('cart')
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Empty my cart' })
  clear(@Meta() meta: RequestMeta): Promise<CartDto> {
    return this.cart.clear(meta);
  }

  /**
   * Places the cart as one order (one sub-order per dealer) awaiting payment, its stock reserved until
   * `reservationExpiresAt`. Same `Idempotency-Key` + same body → the same order (header
   * `Idempotent-Replayed: true`); same key + another body → 422.
   */
  @Post('checkout')
  @Can('create', 'Purchase')
  @ApiOperation({ summary: 'Check out my cart' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'e.g. a UUID; reuse it to retry',
  })
  @ApiCreatedResponse({ type: OrderDto })
  @ApiOkResponse({ type: OrderDto, description: 'Replayed: this key already placed this order' })
  async checkout(
    @Body() dto: CheckoutDto,
    @Headers(IDEMPOTENCY_HEADER) key: string | undefined,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderDto> {
    const result = await this.commands.execute(
      new PlaceOrderCommand(dto, requireIdempotencyKey(key), meta),
    );
    if (result.replayed) void reply.status(200).header('idempotent-replayed', 'true');
    return result.order;
  }
}
