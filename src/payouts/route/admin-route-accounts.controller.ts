import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  PayeeIdParamDto,
  RetryRouteAccountDto,
  RouteAccountDto,
  RouteAccountPageDto,
  RouteAccountQueryDto,
} from './dto/route-account.dto.js';
import { RouteAccountsService } from './route-accounts.service.js';

/**
 * Staff follow payees' onboarding to Razorpay Route (payment staff read) and the escrow waiting for
 * a dealer whose linked account is not active yet; admin, ops leader and finance restart a failed
 * onboarding (audited).
 */
@ApiTags('admin-payments')
@ApiBearerAuth()
@Controller('admin/payments/route-accounts')
export class AdminRouteAccountsController {
  constructor(private readonly accounts: RouteAccountsService) {}

  @Get()
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: "Payees' Route linked accounts, with the escrow waiting for them" })
  list(@Query() q: RouteAccountQueryDto): Promise<RouteAccountPageDto> {
    return this.accounts.list(q);
  }

  @Post(':payeeId/retry')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({
    summary: "Restart a payee's failed Route onboarding at the step it stopped (audited)",
  })
  retry(
    @Param() p: PayeeIdParamDto,
    @Body() dto: RetryRouteAccountDto,
    @Meta() meta: RequestMeta,
  ): Promise<RouteAccountDto> {
    return this.accounts.retry(p.payeeId, dto.reason, meta);
  }
}
