import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { DailyReconciliationReport } from './daily-reconciliation-report.service.js';
import {
  ExceptionIdParamDto,
  ReconciliationExceptionDto,
  ReconciliationExceptionPageDto,
  ReconciliationExceptionQueryDto,
  ReconciliationRunDto,
  ReconciliationRunPageDto,
  ReconciliationRunQueryDto,
  RequestReconciliationDto,
  ResolveExceptionDto,
  RunIdParamDto,
} from './dto/reconciliation.dto.js';

/** The daily ledger-to-gateway reconciliation: runs and the exceptions finance works through. */
@ApiTags('reconciliation')
@ApiBearerAuth()
@Controller('admin/reconciliation')
export class ReconciliationController {
  constructor(private readonly report: DailyReconciliationReport) {}

  @Post('runs')
  @HttpCode(202)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: 'Queue a reconciliation of a business day (IST)' })
  request(
    @Body() body: RequestReconciliationDto,
    @Meta() meta: RequestMeta,
  ): Promise<ReconciliationRunDto> {
    return this.report.request(body.date, meta);
  }

  @Get('runs')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'Reconciliation runs (newest first)' })
  runs(@Query() q: ReconciliationRunQueryDto): Promise<ReconciliationRunPageDto> {
    return this.report.runs(q);
  }

  @Get('runs/:runId')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'One run with its per-category summary' })
  run(@Param() p: RunIdParamDto): Promise<ReconciliationRunDto> {
    return this.report.run(p.runId);
  }

  @Get('exceptions')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'Reconciliation exceptions, filtered (newest first)' })
  exceptions(@Query() q: ReconciliationExceptionQueryDto): Promise<ReconciliationExceptionPageDto> {
    return this.report.exceptions(q);
  }

  @Post('exceptions/:id/resolve')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: 'Resolve an open exception with a note (audited)' })
  resolve(
    @Param() p: ExceptionIdParamDto,
    @Body() body: ResolveExceptionDto,
    @Meta() meta: RequestMeta,
  ): Promise<ReconciliationExceptionDto> {
    return this.report.resolve(p.id, body.note, meta);
  }
}
