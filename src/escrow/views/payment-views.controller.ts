import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { PageQueryDto } from '../../common/pagination.js';
import { PeriodQueryDto } from '../../common/period.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  AdminPaymentPageDto,
  AdminPaymentQueryDto,
  AdminRefundPageDto,
  AdminRefundQueryDto,
  DealerEscrowDto,
  DealerEscrowQueryDto,
  EscrowAgingDto,
  EscrowHoldPageDto,
  EscrowHoldQueryDto,
  PaymentTotalsDto,
  PayoutPageDto,
  PayoutQueryDto,
  PeriodPageQueryDto,
  ReleasesDueDto,
} from './payment-views.dto.js';
import { PaymentViews } from './payment-views.service.js';

/**
 * Finance and operations views of payments and escrow (admin, ops leader, finance, compliance):
 * read-only, amounts in integer paise.
 */
@ApiTags('payment-views')
@ApiBearerAuth()
@Controller('admin')
export class AdminPaymentViewsController {
  constructor(private readonly views: PaymentViews) {}

  @Get('payments')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'Every payment, filtered (newest first)' })
  payments(@Query() q: AdminPaymentQueryDto): Promise<AdminPaymentPageDto> {
    return this.views.payments(q);
  }

  @Get('payments/totals')
  @Can('read', 'PaymentOps')
  @ApiOperation({
    summary:
      'Captured, refunded, commission, GST on commission, TCS, TDS and dealer net released in a period, reconciled with the ledger',
    description:
      'The period [from, to) defaults to today in IST: a missing `from` is today 00:00 +05:30, a missing `to` the next 00:00 +05:30.',
  })
  totals(@Query() q: PeriodQueryDto): Promise<PaymentTotalsDto> {
    return this.views.totals(q);
  }

  @Get('refunds')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'Every refund, filtered (newest request first)' })
  refunds(@Query() q: AdminRefundQueryDto): Promise<AdminRefundPageDto> {
    return this.views.refunds(q);
  }

  @Get('payouts')
  @Can('read', 'PaymentOps')
  @ApiOperation({
    summary:
      "Money that left Razorpay: dealers' Route settlements and the platform's own (newest first)",
  })
  payouts(@Query() q: PayoutQueryDto): Promise<PayoutPageDto> {
    return this.views.payouts(q);
  }

  @Get('escrow/aging')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'Held escrow by days since capture (0–7, 8–14, 15–30, 31+)' })
  aging(): Promise<EscrowAgingDto> {
    return this.views.aging();
  }

  @Get('escrow/holds')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'Escrow holds, filtered (newest first)' })
  holds(@Query() q: EscrowHoldQueryDto): Promise<EscrowHoldPageDto> {
    return this.views.holds(q);
  }

  @Get('escrow/releases-due')
  @Can('read', 'PaymentOps')
  @ApiOperation({
    summary:
      'Held escrow of completed sub-orders (releasable) and of delivered ones (with their expected completion)',
  })
  releasesDue(@Query() q: PageQueryDto): Promise<ReleasesDueDto> {
    return this.views.releasesDue(q);
  }
}

/** A dealer's own escrow and payout statement. */
@ApiTags('dealer-escrow')
@ApiBearerAuth()
@Controller('dealer/escrow')
export class DealerEscrowController {
  constructor(private readonly views: PaymentViews) {}

  @Get()
  @Can('read', 'DealerStatement')
  @ApiOperation({
    summary: 'My escrow: held, releasable, released (with deductions), refunded, per sub-order',
  })
  escrow(@Query() q: DealerEscrowQueryDto, @Meta() meta: RequestMeta): Promise<DealerEscrowDto> {
    return this.views.dealerEscrow(meta.principal!.userId, q);
  }

  @Get('payouts')
  @Can('read', 'DealerStatement')
  @ApiOperation({
    summary: 'My payouts: Route settlements of my account to my bank (newest first)',
  })
  payouts(@Query() q: PeriodPageQueryDto, @Meta() meta: RequestMeta): Promise<PayoutPageDto> {
    return this.views.payouts({ ...q, kind: 'dealer', dealerId: meta.principal!.userId });
  }
}
