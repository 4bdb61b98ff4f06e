import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { PageQueryDto } from '../../common/pagination.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import { RouteAccountsService } from '../route/route-accounts.service.js';
import {
  ApproveSettlementDetailsDto,
  PayeeDto,
  PayeeIdParamDto,
  type PayeeKind,
  PendingSettlementReviewPageDto,
  RejectSettlementDetailsDto,
  SettlementDetailsDto,
  SubmitSettlementDetailsDto,
} from './dto/payee.dto.js';
import { PayeeSettlementService } from './payee-settlement.service.js';

/** The caller as a payee (the policy lets only approved dealers and technicians in). */
function payeeOf(meta: RequestMeta): { kind: PayeeKind; id: string } {
  const p = meta.principal;
  if (p === null || (p.role !== 'dealer' && p.role !== 'technician'))
    throw new Error('payee route reached by a non-payee');
  return { kind: p.role, id: p.userId };
}

/** Approved dealers and technicians: their onboarding data for Razorpay Route (payouts). */
@ApiTags('payees')
@ApiBearerAuth()
@Controller('payees/me')
export class PayeesController {
  constructor(
    private readonly details: PayeeSettlementService,
    private readonly routeAccounts: RouteAccountsService,
  ) {}

  @Get()
  @Can('read', 'PayeeSettlement')
  @ApiOperation({
    summary: 'My settlement details (masked), any change waiting for review, my Route account',
  })
  async me(@Meta() meta: RequestMeta): Promise<PayeeDto> {
    return payeeView(payeeOf(meta), this.details, this.routeAccounts);
  }

  @Put('settlement-details')
  @HttpCode(202)
  @Can('update', 'PayeeSettlement')
  @ApiOperation({
    summary:
      'Submit or change my PAN, GSTIN, business type and settlement bank account (held for review)',
  })
  submit(
    @Body() dto: SubmitSettlementDetailsDto,
    @Meta() meta: RequestMeta,
  ): Promise<SettlementDetailsDto> {
    return this.details.submit(payeeOf(meta), dto, meta);
  }
}

/** Staff review payees' settlement details (approve or reject a held change; never their own). */
@ApiTags('admin-payees')
@ApiBearerAuth()
@Controller('admin/payees')
export class AdminPayeesController {
  constructor(
    private readonly details: PayeeSettlementService,
    private readonly routeAccounts: RouteAccountsService,
  ) {}

  @Get('pending-review')
  @Can('read', 'PaymentOps')
  @ApiOperation({
    summary: 'Payees whose settlement-details change waits for review (longest waiting first)',
  })
  pendingReview(@Query() q: PageQueryDto): Promise<PendingSettlementReviewPageDto> {
    return this.details.pendingReviews(q);
  }

  @Get(':id')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: "A payee's settlement details (masked), held change and Route account" })
  async get(@Param() p: PayeeIdParamDto): Promise<PayeeDto> {
    const kind = await this.routeAccounts.payeeKindOf(p.id);
    return payeeView({ kind, id: p.id }, this.details, this.routeAccounts);
  }

  @Post(':id/settlement-details/approve')
  @HttpCode(200)
  @Can('approve', 'PayeeSettlement')
  @ApiOperation({ summary: "Approve a payee's held settlement details (starts Route onboarding)" })
  approve(
    @Param() p: PayeeIdParamDto,
    @Body() dto: ApproveSettlementDetailsDto,
    @Meta() meta: RequestMeta,
  ): Promise<SettlementDetailsDto> {
    return this.details.review(p.id, 'approved', dto.reason ?? null, meta);
  }

  @Post(':id/settlement-details/reject')
  @HttpCode(200)
  @Can('approve', 'PayeeSettlement')
  @ApiOperation({ summary: "Reject a payee's held settlement details, with a reason" })
  reject(
    @Param() p: PayeeIdParamDto,
    @Body() dto: RejectSettlementDetailsDto,
    @Meta() meta: RequestMeta,
  ): Promise<SettlementDetailsDto> {
    return this.details.review(p.id, 'rejected', dto.reason, meta);
  }
}

async function payeeView(
  payee: { kind: PayeeKind; id: string },
  details: PayeeSettlementService,
  routeAccounts: RouteAccountsService,
): Promise<PayeeDto> {
  const { active, pending } = await details.current(payee.id);
  return {
    payeeId: payee.id,
    payeeKind: payee.kind,
    settlementDetails: active,
    pendingChange: pending,
    routeAccount: await routeAccounts.statusOf(payee.id),
  };
}
