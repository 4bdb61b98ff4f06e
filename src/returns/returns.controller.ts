import { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { IDEMPOTENCY_HEADER, requireIdempotencyKey } from '../database/idempotency.js';
import {
  ClosedPeriodDto,
  ClosedPeriodsQueryDto,
  ClosePeriodDto,
  CreateTaxPaymentDto,
  Gstr1ReportDto,
  Gstr8ExportQueryDto,
  Gstr8ReportDto,
  GstReturnPeriodParamDto,
  TaxPaymentDto,
  TaxPaymentsQueryDto,
  Tds194oReportDto,
  TdsExportQueryDto,
  Gstr1ExportQueryDto,
  TdsReturnPeriodParamDto,
} from './dto/returns.dto.js';
import {
  deducteeStatementHtml,
  gstr1Csv,
  gstr8Csv,
  gstr8OfflineJson,
  tds26qCsv,
} from './returns-export.js';
import type { ReturnType } from './domain/periods.js';
import { type ReturnReport, ReturnsService } from './returns.service.js';

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  'offline-json': 'application/json; charset=utf-8',
} as const;

/** A file of the return, its chunks pulled as fast as the client reads. */
function file(
  chunks: AsyncIterable<string> | string,
  format: keyof typeof CONTENT_TYPES,
  name: string,
): StreamableFile {
  const body = typeof chunks === 'string' ? Readable.from([chunks]) : Readable.from(chunks);
  const ext = format === 'csv' ? 'csv' : 'json';
  return new StreamableFile(body, {
    type: CONTENT_TYPES[format],
    disposition: `attachment; filename="${name}.${ext}"`,
  });
}

const reportJson = (r: ReturnReport) => JSON.stringify(r);

/**
 * Statutory returns from the ledger (README "Statutory returns"): GSTR-8 (TCS) per month and
 * 194-O TDS per quarter, each reconciled to its tax account; finance closes periods and records tax
 * payments; the CFO reads; compliance reads and exports. Every export is audited.
 */
@ApiTags('returns')
@ApiBearerAuth()
@Controller('admin/returns')
export class ReturnsController {
  constructor(
    private readonly returns: ReturnsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** GSTR-8 for a month: per supplier GSTIN, supplies, returns, net, TCS; amendments; reconciliation. */
  @Get('gstr8/:period')
  @Can('read', 'StatutoryReturn')
  @ApiOperation({ summary: 'GSTR-8 (TCS) of a month, reconciled to liability:tax:tcs' })
  @ApiOkResponse({ type: Gstr8ReportDto })
  gstr8(@Param() p: GstReturnPeriodParamDto): Promise<Gstr8ReportDto> {
    return this.returns.report('gstr8', p.period) as Promise<unknown> as Promise<Gstr8ReportDto>;
  }

  /** GSTR-8 as a file (audited `returns.export`): the offline tool's JSON, CSV or this API's JSON. */
  @Get('gstr8/:period/export')
  @Can('export', 'StatutoryReturn')
  @ApiOperation({ summary: 'Export GSTR-8 of a month (offline-tool JSON, CSV, JSON)' })
  @ApiProduces(CONTENT_TYPES.json, CONTENT_TYPES.csv)
  @ApiOkResponse({ schema: { type: 'string' } })
  async gstr8Export(
    @Param() p: GstReturnPeriodParamDto,
    @Query() q: Gstr8ExportQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<StreamableFile> {
    const report = await this.returns.exportReport('gstr8', p.period, q.format, meta);
    const name = `gstr8-${report.period}`;
    if (q.format === 'csv') return file(gstr8Csv(report), 'csv', name);
    if (q.format === 'offline-json') {
      return file(gstr8OfflineJson(report, this.config.commission.platformGstin), q.format, name);
    }
    return file(reportJson(report), 'json', name);
  }

  /** GSTR-1 of a month: the commission invoices, B2B invoice-wise and B2C summed; reconciliation. */
  @Get('gstr1/:period')
  @Can('read', 'StatutoryReturn')
  @ApiOperation({
    summary: 'GSTR-1 (GST on commission) of a month, reconciled to liability:tax:gst_output',
  })
  @ApiOkResponse({ type: Gstr1ReportDto })
  gstr1(@Param() p: GstReturnPeriodParamDto): Promise<Gstr1ReportDto> {
    return this.returns.report('gstr1', p.period) as Promise<unknown> as Promise<Gstr1ReportDto>;
  }

  /**
   * GSTR-1 as a file (audited): CSV (one row per B2B invoice, per credit note and per B2C summary),
   * JSON, or the month's e-invoices (409 `returns/e-invoice-incomplete` when a document's data would
   * be refused by the IRP, naming each document and field).
   */
  @Get('gstr1/:period/export')
  @Can('export', 'StatutoryReturn')
  @ApiOperation({ summary: 'Export GSTR-1 of a month (CSV, JSON, e-invoices)' })
  @ApiProduces(CONTENT_TYPES.json, CONTENT_TYPES.csv)
  @ApiOkResponse({ schema: { type: 'string' } })
  @ApiConflictResponse({ description: '`returns/e-invoice-incomplete`' })
  async gstr1Export(
    @Param() p: GstReturnPeriodParamDto,
    @Query() q: Gstr1ExportQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<StreamableFile> {
    if (q.format === 'e-invoice') {
      const documents = await this.returns.eInvoices(p.period, meta);
      return file(JSON.stringify(documents), 'json', `e-invoices-${p.period}`);
    }
    const report = await this.returns.exportReport('gstr1', p.period, q.format, meta);
    const name = `gstr1-${report.period}`;
    return q.format === 'csv'
      ? file(gstr1Csv(report), 'csv', name)
      : file(reportJson(report), 'json', name);
  }

  /** Finance closes a GSTR-1 month that has ended: its figures are frozen (audited). */
  @Post('gstr1/:period/close')
  @HttpCode(200)
  @Can('update', 'StatutoryReturn')
  @ApiOperation({ summary: 'Close a GSTR-1 month (its figures frozen)' })
  @ApiOkResponse({ type: Gstr1ReportDto })
  @ApiConflictResponse({ description: '`returns/period-not-ended`, `returns/period-closed`' })
  closeGstr1(
    @Param() p: GstReturnPeriodParamDto,
    @Body() dto: ClosePeriodDto,
    @Meta() meta: RequestMeta,
  ): Promise<Gstr1ReportDto> {
    return this.close('gstr1', p.period, dto, meta) as Promise<Gstr1ReportDto>;
  }

  /** 194-O for a quarter: per deductee PAN, amounts credited, rate, TDS, dates; reconciliation. */
  @Get('tds-194o/:period')
  @Can('read', 'StatutoryReturn')
  @ApiOperation({
    summary: 'TDS under section 194-O of a quarter, reconciled to liability:tax:tds',
  })
  @ApiOkResponse({ type: Tds194oReportDto })
  tds(@Param() p: TdsReturnPeriodParamDto): Promise<Tds194oReportDto> {
    return this.returns.report(
      'tds194o',
      p.period,
    ) as Promise<unknown> as Promise<Tds194oReportDto>;
  }

  /** 194-O as a file (audited): Form 26Q's deductee records as CSV, or this API's JSON. */
  @Get('tds-194o/:period/export')
  @Can('export', 'StatutoryReturn')
  @ApiOperation({ summary: 'Export the 194-O data of a quarter (26Q deductee records CSV, JSON)' })
  @ApiProduces(CONTENT_TYPES.json, CONTENT_TYPES.csv)
  @ApiOkResponse({ schema: { type: 'string' } })
  async tdsExport(
    @Param() p: TdsReturnPeriodParamDto,
    @Query() q: TdsExportQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<StreamableFile> {
    const report = await this.returns.exportReport('tds194o', p.period, q.format, meta);
    const name = `tds-194o-${report.period}`;
    return q.format === 'csv'
      ? file(tds26qCsv(report), 'csv', name)
      : file(reportJson(report), 'json', name);
  }

  /** Finance closes a GSTR-8 month that has ended: its figures are frozen (audited). */
  @Post('gstr8/:period/close')
  @HttpCode(200)
  @Can('update', 'StatutoryReturn')
  @ApiOperation({ summary: 'Close a GSTR-8 month (its figures frozen)' })
  @ApiOkResponse({ type: Gstr8ReportDto })
  @ApiConflictResponse({ description: '`returns/period-not-ended`, `returns/period-closed`' })
  closeGstr8(
    @Param() p: GstReturnPeriodParamDto,
    @Body() dto: ClosePeriodDto,
    @Meta() meta: RequestMeta,
  ): Promise<Gstr8ReportDto> {
    return this.close('gstr8', p.period, dto, meta) as Promise<Gstr8ReportDto>;
  }

  /** Finance closes a 194-O quarter that has ended: its figures are frozen (audited). */
  @Post('tds-194o/:period/close')
  @HttpCode(200)
  @Can('update', 'StatutoryReturn')
  @ApiOperation({ summary: 'Close a 194-O quarter (its figures frozen)' })
  @ApiOkResponse({ type: Tds194oReportDto })
  @ApiConflictResponse({ description: '`returns/period-not-ended`, `returns/period-closed`' })
  closeTds(
    @Param() p: TdsReturnPeriodParamDto,
    @Body() dto: ClosePeriodDto,
    @Meta() meta: RequestMeta,
  ): Promise<Tds194oReportDto> {
    return this.close('tds194o', p.period, dto, meta) as Promise<Tds194oReportDto>;
  }

  private close(
    returnType: ReturnType,
    period: string,
    dto: ClosePeriodDto,
    meta: RequestMeta,
  ): Promise<unknown> {
    return this.returns.close(returnType, period, dto.reason, meta);
  }

  /**
   * A payment of collected tax to the government (Dr liability:tax:<tax> / Cr asset:bank:<id>),
   * with its challan; audited. Same `Idempotency-Key` + same body → the same answer.
   */
  @Post('tax-payments')
  @Can('update', 'StatutoryReturn')
  @ApiOperation({ summary: 'Record a payment of collected tax (posted to the ledger)' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'e.g. a UUID; reuse it to retry',
  })
  @ApiOkResponse({ type: TaxPaymentDto })
  @ApiConflictResponse({
    description: '`returns/challan-recorded`, `ledger/exceeds-debits` (bank)',
  })
  async payTax(
    @Body() dto: CreateTaxPaymentDto,
    @Headers(IDEMPOTENCY_HEADER) key: string | undefined,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaxPaymentDto> {
    const result = await this.returns.payTax(dto, requireIdempotencyKey(key), meta);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return result.body;
  }

  /** The periods finance closed (their figures frozen), newest first. */
  @Get('periods')
  @Can('read', 'StatutoryReturn')
  @ApiOperation({ summary: 'Closed return periods, newest first' })
  @ApiOkResponse({ type: [ClosedPeriodDto] })
  periods(@Query() q: ClosedPeriodsQueryDto): Promise<ClosedPeriodDto[]> {
    return this.returns.closedPeriods(q.returnType);
  }

  @Get('tax-payments')
  @Can('read', 'StatutoryReturn')
  @ApiOperation({ summary: 'Payments of collected tax, oldest first' })
  @ApiOkResponse({ type: [TaxPaymentDto] })
  payments(@Query() q: TaxPaymentsQueryDto): Promise<TaxPaymentDto[]> {
    return this.returns.payments(q.tax);
  }
}

/** A dealer's or technician's own quarterly 194-O statement. */
@ApiTags('returns')
@ApiBearerAuth()
@Controller('me/tds-statements')
export class TdsStatementController {
  constructor(
    private readonly returns: ReturnsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** My 194-O statement of a quarter (the figures of Form 16A), as an HTML page. */
  @Get(':period')
  @Can('read', 'TdsStatement')
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiOperation({ summary: 'My quarterly TDS (194-O) statement (HTML)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ schema: { type: 'string' } })
  async mine(@Param() p: TdsReturnPeriodParamDto, @Meta() meta: RequestMeta): Promise<string> {
    const statement = await this.returns.deducteeStatement(meta.principal!.userId, p.period);
    return deducteeStatementHtml(statement, this.config.commission.platformGstin);
  }
}
