import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import {
  AssignFraudAlertDto,
  DecideHoldDto,
  FraudAlertDto,
  FraudAlertIdParamDto,
  FraudAlertPageDto,
  FraudAlertQueryDto,
  FraudHoldDto,
  FraudHoldPageDto,
  FraudHoldQueryDto,
  OrderIdParamDto,
  ResolveFraudAlertDto,
} from './dto/fraud.dto.js';
import { FraudReview } from './fraud-review.service.js';

/**
 * Fraud alerts and orders held for review: staff read them (admin, ops leader, finance,
 * compliance); admin, ops leader and finance assign and resolve alerts; admin and ops leader clear
 * or reject held orders. Every action is audited.
 */
@ApiTags('fraud')
@ApiBearerAuth()
@Controller('admin/fraud')
export class FraudController {
  constructor(private readonly review: FraudReview) {}

  @Get('alerts')
  @Can('read', 'Fraud')
  @ApiOperation({ summary: 'Fraud alerts with their evidence, newest first' })
  alerts(@Query() q: FraudAlertQueryDto): Promise<FraudAlertPageDto> {
    return this.review.listAlerts(q);
  }

  @Post('alerts/:id/assign')
  @HttpCode(200)
  @Can('update', 'Fraud')
  @ApiOperation({ summary: 'Assign an alert to a staff member (default: me; audited)' })
  assign(
    @Param() p: FraudAlertIdParamDto,
    @Body() dto: AssignFraudAlertDto,
    @Meta() meta: RequestMeta,
  ): Promise<FraudAlertDto> {
    return this.review.assign(p.id, dto.ownerId, meta);
  }

  @Post('alerts/:id/resolve')
  @HttpCode(200)
  @Can('update', 'Fraud')
  @ApiOperation({ summary: 'Resolve an alert: dismissed or confirmed, with a note (audited)' })
  resolve(
    @Param() p: FraudAlertIdParamDto,
    @Body() dto: ResolveFraudAlertDto,
    @Meta() meta: RequestMeta,
  ): Promise<FraudAlertDto> {
    return this.review.resolve(p.id, dto.resolution, dto.note, meta);
  }

  @Get('holds')
  @Can('read', 'Fraud')
  @ApiOperation({ summary: 'Orders held for review, newest first' })
  holds(@Query() q: FraudHoldQueryDto): Promise<FraudHoldPageDto> {
    return this.review.listHolds(q);
  }

  @Post('holds/:orderId/clear')
  @HttpCode(200)
  @Can('approve', 'Fraud')
  @ApiOperation({ summary: 'Clear a held order: it continues (audited)' })
  clear(
    @Param() p: OrderIdParamDto,
    @Body() dto: DecideHoldDto,
    @Meta() meta: RequestMeta,
  ): Promise<FraudHoldDto> {
    return this.review.decide(p.orderId, 'clear', dto.reason, meta);
  }

  @Post('holds/:orderId/reject')
  @HttpCode(200)
  @Can('approve', 'Fraud')
  @ApiOperation({
    summary: 'Reject a held order: cancelled, stock back, payment refunded (audited)',
  })
  reject(
    @Param() p: OrderIdParamDto,
    @Body() dto: DecideHoldDto,
    @Meta() meta: RequestMeta,
  ): Promise<FraudHoldDto> {
    return this.review.decide(p.orderId, 'reject', dto.reason, meta);
  }
}
