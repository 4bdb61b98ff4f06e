import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import { PayoutPageDto, PeriodPageQueryDto } from './payment-views.dto.js';
import { PaymentViews } from './payment-views.service.js';
import { TechnicianEarningsDto, TechnicianEarningsQueryDto } from './technician-earnings.dto.js';
import { TechnicianEarnings } from './technician-earnings.service.js';

/** A technician's own earnings statement and payouts (approved technicians; only their own). */
@ApiTags('technician-earnings')
@ApiBearerAuth()
@Controller('technician')
export class TechnicianEarningsController {
  constructor(
    private readonly earnings: TechnicianEarnings,
    private readonly views: PaymentViews,
  ) {}

  @Get('earnings')
  @Can('read', 'TechnicianStatement')
  @ApiOperation({
    summary:
      'My earnings: per paid repair job the gross, service fee, GST on it, TCS, TDS, net and transfer status; totals',
  })
  statement(
    @Query() q: TechnicianEarningsQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<TechnicianEarningsDto> {
    return this.earnings.statement(meta.principal!.userId, q);
  }

  @Get('payouts')
  @Can('read', 'TechnicianStatement')
  @ApiOperation({
    summary: 'My payouts: Route settlements of my account to my bank (newest first)',
  })
  payouts(@Query() q: PeriodPageQueryDto, @Meta() meta: RequestMeta): Promise<PayoutPageDto> {
    return this.views.payouts({ ...q, kind: 'technician', technicianId: meta.principal!.userId });
  }
}
