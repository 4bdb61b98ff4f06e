import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import {
  DealerOrderQueryDto,
  DealerSubOrderDto,
  DealerSubOrderPageDto,
  DealerSubOrderParamDto,
  ReasonDto,
  ShipDto,
} from './dto/order.dto.js';
import { OrderCommands } from './order-commands.service.js';
import { GetDealerSubOrderQuery } from './queries/get-dealer-sub-order.query.js';
import { ListDealerSubOrdersQuery } from './queries/list-dealer-sub-orders.query.js';

/**
 * An approved dealer's sub-orders: its share of each order, shipped separately. Accept → pack →
 * ship (carrier and tracking number); cancel with a reason before shipping. Another dealer's
 * sub-order is 404; the buyer's address shows once the sub-order is paid.
 */
@ApiTags('dealer-orders')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('dealer/orders')
export class DealerOrdersController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: OrderCommands,
  ) {}

  @Get()
  @Can('read', 'SubOrder')
  @ApiOperation({ summary: 'My sub-orders, newest first' })
  list(@Query() q: DealerOrderQueryDto, @Meta() meta: RequestMeta): Promise<DealerSubOrderPageDto> {
    return this.queries.execute(new ListDealerSubOrdersQuery(meta.principal!.userId, q));
  }

  @Get(':subOrderId')
  @Can('read', 'SubOrder')
  @ApiOperation({ summary: 'One of my sub-orders, with its history' })
  get(@Param() p: DealerSubOrderParamDto, @Meta() meta: RequestMeta): Promise<DealerSubOrderDto> {
    return this.queries.execute(new GetDealerSubOrderQuery(meta.principal!.userId, p.subOrderId));
  }

  @Post(':subOrderId/accept')
  @HttpCode(200)
  @Can('update', 'SubOrder')
  @ApiOperation({ summary: 'Accept a paid sub-order' })
  accept(
    @Param() p: DealerSubOrderParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<DealerSubOrderDto> {
    return this.commands.dealerAct(p.subOrderId, 'accept', {}, meta);
  }

  @Post(':subOrderId/pack')
  @HttpCode(200)
  @Can('update', 'SubOrder')
  @ApiOperation({ summary: 'Mark an accepted sub-order packed' })
  pack(@Param() p: DealerSubOrderParamDto, @Meta() meta: RequestMeta): Promise<DealerSubOrderDto> {
    return this.commands.dealerAct(p.subOrderId, 'pack', {}, meta);
  }

  @Post(':subOrderId/ship')
  @HttpCode(200)
  @Can('update', 'SubOrder')
  @ApiOperation({ summary: 'Ship a packed sub-order (carrier and tracking number)' })
  ship(
    @Param() p: DealerSubOrderParamDto,
    @Body() dto: ShipDto,
    @Meta() meta: RequestMeta,
  ): Promise<DealerSubOrderDto> {
    return this.commands.dealerAct(p.subOrderId, 'ship', dto, meta);
  }

  /** Before shipping, with a reason; paid stock returns to stock on hand. */
  @Post(':subOrderId/cancel')
  @HttpCode(200)
  @Can('update', 'SubOrder')
  @ApiOperation({ summary: 'Cancel a sub-order I cannot fulfil' })
  cancel(
    @Param() p: DealerSubOrderParamDto,
    @Body() dto: ReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<DealerSubOrderDto> {
    return this.commands.dealerAct(p.subOrderId, 'cancel', dto, meta);
  }
}
