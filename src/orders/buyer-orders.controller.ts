import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { IDEMPOTENCY_HEADER, requireIdempotencyKey } from '../database/idempotency.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import {
  BuyerOrderQueryDto,
  CancelLinesDto,
  OptionalReasonDto,
  OrderDto,
  OrderIdParamDto,
  OrderPageDto,
  SubOrderPathDto,
} from './dto/order.dto.js';
import { OrderCommands } from './order-commands.service.js';
import { GetBuyerOrderQuery } from './queries/get-buyer-order.query.js';
import { ListBuyerOrdersQuery } from './queries/list-buyer-orders.query.js';

/**
 * A buyer's own orders. Another buyer's order is 404. Cancelling follows the policy in README
 * "Orders and checkout": parts not yet shipped, as long as what remains is nothing or still reaches
 * the order's minimum (409 `order/cancel-below-minimum` otherwise).
 */
@ApiTags('orders')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('orders')
export class BuyerOrdersController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: OrderCommands,
  ) {}

  @Get()
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'My orders, newest first' })
  list(@Query() q: BuyerOrderQueryDto, @Meta() meta: RequestMeta): Promise<OrderPageDto> {
    return this.queries.execute(new ListBuyerOrdersQuery(meta.principal!.userId, q));
  }

  @Get(':orderId')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'One of my orders, with lines, tax breakdown and history' })
  get(@Param() p: OrderIdParamDto, @Meta() meta: RequestMeta): Promise<OrderDto> {
    return this.queries.execute(new GetBuyerOrderQuery(meta.principal!.userId, p.orderId));
  }

  /** Cancels every part of the order that has not shipped. */
  @Post(':orderId/cancel')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Cancel my order (the parts not yet shipped)' })
  cancel(
    @Param() p: OrderIdParamDto,
    @Body() dto: OptionalReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<OrderDto> {
    return this.commands.buyerCancelOrder(p.orderId, dto.reason, meta);
  }

  @Post(':orderId/sub-orders/:subOrderId/cancel')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: "Cancel one dealer's part of my order (before it ships)" })
  cancelSubOrder(
    @Param() p: SubOrderPathDto,
    @Body() dto: OptionalReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<OrderDto> {
    return this.commands.buyerCancelSubOrder(p.orderId, p.subOrderId, dto.reason, meta);
  }

  /**
   * Cancels whole lines of one part of my order before it ships: at least one line stays (409
   * `order/cancel-sub-order-instead` otherwise) and what remains of the order still reaches its
   * minimum (409 `order/cancel-below-minimum`). Paid lines are refunded to the payment. Same
   * `Idempotency-Key` + same body → the same answer (header `Idempotent-Replayed: true`).
   */
  @Post(':orderId/sub-orders/:subOrderId/lines/cancel')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Cancel lines of one part of my order (before it ships)' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'e.g. a UUID; reuse it to retry',
  })
  async cancelLines(
    @Param() p: SubOrderPathDto,
    @Body() dto: CancelLinesDto,
    @Headers(IDEMPOTENCY_HEADER) key: string | undefined,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderDto> {
    const result = await this.commands.buyerCancelLines(
      p.orderId,
      p.subOrderId,
      dto,
      requireIdempotencyKey(key),
      meta,
    );
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return result.body;
  }

  @Post(':orderId/sub-orders/:subOrderId/confirm-delivery')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Confirm I received a shipped part of my order' })
  confirmDelivery(@Param() p: SubOrderPathDto, @Meta() meta: RequestMeta): Promise<OrderDto> {
    return this.commands.buyerConfirmDelivery(p.orderId, p.subOrderId, meta);
  }
}
