import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import { RateLimitCategory } from '../../rate-limit/rate-limit.decorator.js';
import { RepairJobIdParamDto } from '../../repairs/dto/repair-job.dto.js';
import { PaymentRequestDto, RequestPaymentDto } from './dto/payment-request.dto.js';
import { PaymentTerminal } from './payment-terminal.service.js';

/**
 * The technician's payment terminal: on the spot, once the quote is approved, the job's technician
 * asks for its payment by a Payment Link or a UPI QR code (paid to the platform, held in escrow),
 * follows it and may cancel it.
 */
@ApiTags('payments')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('technician/repairs/:repairJobId')
export class TechnicianPaymentTerminalController {
  constructor(private readonly terminal: PaymentTerminal) {}

  @Post('payment-request')
  @Can('update', 'RepairWork')
  @ApiOperation({
    summary: "Ask the customer to pay my job's approved amount by a Payment Link or UPI QR code",
  })
  request(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RequestPaymentDto,
    @Meta() meta: RequestMeta,
  ): Promise<PaymentRequestDto> {
    return this.terminal.request(p.repairJobId, dto.method, meta);
  }

  @Post('payment-request/cancel')
  @HttpCode(200)
  @Can('update', 'RepairWork')
  @ApiOperation({ summary: "Cancel my job's open payment request" })
  cancel(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<PaymentRequestDto> {
    const technicianId = meta.principal!.userId;
    return this.terminal.cancel(p.repairJobId, { technicianId }, technicianId);
  }

  @Get('payment-requests')
  @Can('read', 'RepairWork')
  @ApiOperation({ summary: "My job's payment requests, newest first" })
  list(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<PaymentRequestDto[]> {
    return this.terminal.list(p.repairJobId, { technicianId: meta.principal!.userId });
  }
}

/** The customer sees the technician's payment requests of their job and may cancel the open one. */
@ApiTags('payments')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('repairs/:repairJobId')
export class CustomerPaymentTerminalController {
  constructor(private readonly terminal: PaymentTerminal) {}

  @Get('payment-requests')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: "My repair job's payment requests (link or QR code), newest first" })
  list(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<PaymentRequestDto[]> {
    return this.terminal.list(p.repairJobId, { customerId: meta.principal!.userId });
  }

  @Post('payment-request/cancel')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: "Cancel my repair job's open payment request" })
  cancel(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<PaymentRequestDto> {
    const customerId = meta.principal!.userId;
    return this.terminal.cancel(p.repairJobId, { customerId }, customerId);
  }
}
