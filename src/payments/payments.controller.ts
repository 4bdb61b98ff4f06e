import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { OrderIdParamDto } from '../orders/dto/order.dto.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import { orderPaymentDto, PaymentDto, RefundDto, VerifyPaymentDto } from './dto/payment.dto.js';
import { OpenPaymentCommand } from './commands/open-payment.command.js';
import { VerifyPaymentCommand } from './commands/verify-payment.command.js';
import type { PayableRef } from './payable.js';
import { PaymentsService } from './payments.service.js';
import { RefundsService } from './refunds.service.js';

/**
 * A buyer pays an order: `POST …/payments` opens the payment (a Razorpay order for what is payable
 * now; calling again returns it), the app runs Razorpay Checkout with `keyId` and `gatewayOrderId`,
 * then `POST …/payments/verify` hands over Checkout's answer. Webhooks confirm the same payment if
 * the app never comes back.
 */
@ApiTags('payments')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('orders/:orderId/payments')
export class PaymentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly payments: PaymentsService,
    private readonly refundsService: RefundsService,
  ) {}

  @Post()
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Open the payment of my order (a Razorpay order)' })
  async start(@Param() p: OrderIdParamDto, @Meta() meta: RequestMeta): Promise<PaymentDto> {
    return orderPaymentDto(
      await this.commands.execute(new OpenPaymentCommand(this.order(p), meta)),
    );
  }

  @Post('verify')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({
    summary: "Hand over Razorpay Checkout's answer (signature checked, payment captured)",
  })
  async verify(
    @Param() p: OrderIdParamDto,
    @Body() dto: VerifyPaymentDto,
    @Meta() meta: RequestMeta,
  ): Promise<PaymentDto> {
    return orderPaymentDto(
      await this.commands.execute(new VerifyPaymentCommand(this.order(p), dto, meta)),
    );
  }

  @Get()
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'Payments of my order' })
  async list(@Param() p: OrderIdParamDto, @Meta() meta: RequestMeta): Promise<PaymentDto[]> {
    return (await this.payments.list(this.order(p), meta.principal!.userId)).map(orderPaymentDto);
  }

  /** Refunds of my order: a paid part cancelled, money paid after the order expired, a second payment. */
  @Get('refunds')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'Refunds of my order' })
  async refunds(@Param() p: OrderIdParamDto, @Meta() meta: RequestMeta): Promise<RefundDto[]> {
    await this.payments.list(this.order(p), meta.principal!.userId); // 404 unless it is the caller's order
    return this.refundsService.list(this.order(p));
  }

  private order(p: OrderIdParamDto): PayableRef {
    return { type: 'order', id: p.orderId };
  }
}
