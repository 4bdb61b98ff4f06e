import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  CommissionInvoicePageDto,
  CommissionInvoiceQueryDto,
  CommissionRuleDto,
  CommissionRuleQueryDto,
  CommissionRulesInForceDto,
  CreateCommissionRuleDto,
  DealerCommissionInvoiceQueryDto,
} from './commission.dto.js';
import { CommissionService } from './commission.service.js';

/** Commission rules (finance, admin, ops leader configure; compliance and cfo read) and commission invoices. */
@ApiTags('commission')
@ApiBearerAuth()
@Controller('admin')
export class AdminCommissionController {
  constructor(private readonly commission: CommissionService) {}

  @Post('commission-rules')
  @Can('update', 'PaymentOps')
  @ApiOperation({
    summary:
      'Add a commission rule (default, category or dealer; B2B, B2C or any) effective from an IST date, today or later (audited)',
  })
  create(
    @Body() body: CreateCommissionRuleDto,
    @Meta() meta: RequestMeta,
  ): Promise<CommissionRuleDto> {
    return this.commission.createRule(body, meta);
  }

  @Get('commission-rules')
  @Can('read', 'PaymentOps')
  @ApiOperation({
    summary:
      'Commission rules in force on a date (default today), and with a category the B2B and B2C rate a sale would get',
  })
  rules(@Query() q: CommissionRuleQueryDto): Promise<CommissionRulesInForceDto> {
    return this.commission.rulesInForce(q);
  }

  @Get('commission-invoices')
  @Can('read', 'PaymentOps')
  @ApiOperation({
    summary:
      "Commission tax invoices (dealers' commission, technicians' service fee; newest first), by financial year, dealer or technician",
  })
  invoices(@Query() q: CommissionInvoiceQueryDto): Promise<CommissionInvoicePageDto> {
    return this.commission.invoices(q, { dealerId: q.dealerId, technicianId: q.technicianId });
  }
}

/** A dealer's own commission tax invoices. */
@ApiTags('commission')
@ApiBearerAuth()
@Controller('dealer/commission-invoices')
export class DealerCommissionInvoicesController {
  constructor(private readonly commission: CommissionService) {}

  @Get()
  @Can('read', 'DealerStatement')
  @ApiOperation({ summary: 'My commission tax invoices (newest first), by financial year' })
  invoices(
    @Query() q: DealerCommissionInvoiceQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<CommissionInvoicePageDto> {
    return this.commission.invoices(q, { dealerId: meta.principal!.userId });
  }
}

/** A technician's own service-fee tax invoices (one per released repair job). */
@ApiTags('commission')
@ApiBearerAuth()
@Controller('technician/commission-invoices')
export class TechnicianCommissionInvoicesController {
  constructor(private readonly commission: CommissionService) {}

  @Get()
  @Can('read', 'TechnicianStatement')
  @ApiOperation({
    summary:
      'My service-fee tax invoices, one per released repair job (newest first), by financial year',
  })
  invoices(
    @Query() q: DealerCommissionInvoiceQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<CommissionInvoicePageDto> {
    return this.commission.invoices(q, { technicianId: meta.principal!.userId });
  }
}
