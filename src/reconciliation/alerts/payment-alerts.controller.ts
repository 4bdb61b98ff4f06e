import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  AlertIdParamDto,
  PaymentAlertDto,
  PaymentAlertPageDto,
  PaymentAlertQueryDto,
  ResolveAlertDto,
} from './payment-alert.dto.js';
import { PaymentAlerts } from './payment-alerts.service.js';

/**
 * Payment SLA alerts and the escrow escalation queue: staff read them (admin, ops leader, finance,
 * compliance, cfo); admin, ops leader and finance take and resolve them (audited).
 */
@ApiTags('payment-alerts')
@ApiBearerAuth()
@Controller('admin/payment-alerts')
export class PaymentAlertsController {
  constructor(private readonly alerts: PaymentAlerts) {}

  @Get()
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'Payment alerts and escrow escalations, with owner and age' })
  list(@Query() q: PaymentAlertQueryDto): Promise<PaymentAlertPageDto> {
    return this.alerts.list(q);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: 'Take an alert (owner = me; audited)' })
  assign(@Param() p: AlertIdParamDto, @Meta() meta: RequestMeta): Promise<PaymentAlertDto> {
    return this.alerts.assign(p.id, meta);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: 'Resolve an alert with a note (audited)' })
  resolve(
    @Param() p: AlertIdParamDto,
    @Body() dto: ResolveAlertDto,
    @Meta() meta: RequestMeta,
  ): Promise<PaymentAlertDto> {
    return this.alerts.resolve(p.id, dto.note, meta);
  }
}
