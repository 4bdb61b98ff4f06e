import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can, Public } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import {
  AdminOrderQueryDto,
  ChannelParamDto,
  DeliveryRuleDto,
  OrderDto,
  OrderIdParamDto,
  OrderPageDto,
  ReasonDto,
  SubOrderPathDto,
  UpdateDeliveryRuleDto,
} from './dto/order.dto.js';
import { OrderCommands } from './order-commands.service.js';
import { GetAdminOrderQuery } from './queries/get-admin-order.query.js';
import { ListAdminOrdersQuery } from './queries/list-admin-orders.query.js';
import { ListDeliveryRulesQuery } from './queries/list-delivery-rules.query.js';

/**
 * Staff monitor every order (admin, ops leader, finance, compliance, cfo read) and intervene (admin and
 * ops leader: cancel or confirm delivery of a sub-order, with a reason, audited). Pausing a dealer
 * or a product from an order uses `/admin/users/{id}/suspend` and `/admin/listings/{id}/pause` with
 * the ids shown here.
 */
@ApiTags('admin-orders')
@ApiBearerAuth()
@Controller()
export class AdminOrdersController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: OrderCommands,
  ) {}

  @Get('admin/orders')
  @Can('read', 'Order')
  @ApiOperation({ summary: 'All orders, filtered' })
  list(@Query() q: AdminOrderQueryDto): Promise<OrderPageDto> {
    return this.queries.execute(new ListAdminOrdersQuery(q));
  }

  @Get('admin/orders/:orderId')
  @Can('read', 'Order')
  @ApiOperation({ summary: 'One order, with lines, tax breakdown and history' })
  get(@Param() p: OrderIdParamDto): Promise<OrderDto> {
    return this.queries.execute(new GetAdminOrderQuery(p.orderId));
  }

  @Post('admin/orders/:orderId/sub-orders/:subOrderId/cancel')
  @HttpCode(200)
  @Can('override', 'Order')
  @ApiOperation({ summary: 'Cancel a sub-order before it ships (audited)' })
  cancel(
    @Param() p: SubOrderPathDto,
    @Body() dto: ReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<OrderDto> {
    return this.commands.staffAct(p.orderId, p.subOrderId, 'cancel', dto.reason, meta);
  }

  @Post('admin/orders/:orderId/sub-orders/:subOrderId/confirm-delivery')
  @HttpCode(200)
  @Can('override', 'Order')
  @ApiOperation({
    summary: "Confirm delivery of a shipped sub-order on the buyer's behalf (audited)",
  })
  confirmDelivery(
    @Param() p: SubOrderPathDto,
    @Body() dto: ReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<OrderDto> {
    return this.commands.staffAct(p.orderId, p.subOrderId, 'deliver', dto.reason, meta);
  }

  /** The delivery charges buyers pay, per channel (shown in every cart). */
  @Get('delivery-rules')
  @Public()
  @ApiOperation({ summary: 'Delivery-charge rules' })
  deliveryRules(): Promise<DeliveryRuleDto[]> {
    return this.queries.execute(new ListDeliveryRulesQuery());
  }

  /** Applies to carts and checkouts from now on; placed orders keep their snapshot. */
  @Put('admin/delivery-rules/:channel')
  @Can('update', 'DeliveryRule')
  @ApiOperation({ summary: 'Change the delivery-charge rule of a channel (audited)' })
  updateDeliveryRule(
    @Param() p: ChannelParamDto,
    @Body() dto: UpdateDeliveryRuleDto,
    @Meta() meta: RequestMeta,
  ): Promise<DeliveryRuleDto> {
    return this.commands.updateDeliveryRule(p.channel, dto, meta);
  }
}
