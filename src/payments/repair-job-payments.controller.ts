import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RepairJobIdParamDto } from '../repairs/dto/repair-job.dto.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import {
  RefundDto,
  RepairJobPaymentDto,
  repairJobPaymentDto,
  VerifyPaymentDto,
} from './dto/payment.dto.js';
import { OpenPaymentCommand } from './commands/open-payment.command.js';
import { VerifyPaymentCommand } from './commands/verify-payment.command.js';
import type { PayableRef } from './payable.js';
import { PaymentsService } from './payments.service.js';
import { RefundsService } from './refunds.service.js';

/**
 * A customer pays a repair job exactly as a buyer pays an order (the same payment code path,
 * Checkout and webhooks): `POST …/payments` opens it (a Razorpay order for the job's amount), the
 * app runs Razorpay Checkout, then `POST …/payments/verify` hands over Checkout's answer.
 */
@ApiTags('payments')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('repairs/:repairJobId/payments')
export class RepairJobPaymentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly payments: PaymentsService,
    private readonly refundsService: RefundsService,
  ) {}

  @Post()
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Open the payment of my repair job (a Razorpay order)' })
  async start(
    @Param() p: RepairJobIdParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobPaymentDto> {
    return repairJobPaymentDto(
      await this.commands.execute(new OpenPaymentCommand(this.job(p), meta)),
    );
  }

  @Post('verify')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({
    summary: "Hand over Razorpay Checkout's answer for my repair job (signature checked, captured)",
  })
  async verify(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: VerifyPaymentDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobPaymentDto> {
    return repairJobPaymentDto(
      await this.commands.execute(new VerifyPaymentCommand(this.job(p), dto, meta)),
    );
  }

  @Get()
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'Payments of my repair job' })
  async list(
    @Param() p: RepairJobIdParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobPaymentDto[]> {
    return (await this.payments.list(this.job(p), meta.principal!.userId)).map(repairJobPaymentDto);
  }

  /**
   * Refunds of my repair job: cancelled after paying (in full, or the rest after the visit fee),
   * money paid when it was no longer payable, a second payment, more than was due.
   */
  @Get('refunds')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'Refunds of my repair job' })
  async refunds(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RefundDto[]> {
    await this.payments.list(this.job(p), meta.principal!.userId); // 404 unless it is the caller's job
    return this.refundsService.list(this.job(p));
  }

  private job(p: RepairJobIdParamDto): PayableRef {
    return { type: 'repair_job', id: p.repairJobId };
  }
}
