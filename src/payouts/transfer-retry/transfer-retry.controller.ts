import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  RepairTransferRetryParamDto,
  RetryTransferDto,
  TransferRetryDto,
  TransferRetryParamDto,
} from './transfer-retry.dto.js';
import { TransferRetryService } from './transfer-retry.service.js';

/** Admin, ops leader and finance retry a failed Route transfer of an escrow hold (audited). */
@ApiTags('admin-payments')
@ApiBearerAuth()
@Controller('admin/escrow')
export class TransferRetryController {
  constructor(private readonly retries: TransferRetryService) {}

  /**
   * Creates the transfer again, or lifts its hold again for released escrow, through the Route jobs.
   * 409 `route-transfer/not-failed` unless its transfer failed (`route-transfer/not-retryable` for
   * a refunded hold).
   */
  @Post('holds/:subOrderId/retry-transfer')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: "Retry an escrow hold's failed Route transfer (audited)" })
  retry(
    @Param() p: TransferRetryParamDto,
    @Body() dto: RetryTransferDto,
    @Meta() meta: RequestMeta,
  ): Promise<TransferRetryDto> {
    return this.retries.retry({ subOrderId: p.subOrderId }, dto.reason, meta);
  }

  /** The same for a repair job's hold (its technician's transfer). */
  @Post('repair-jobs/:repairJobId/retry-transfer')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: "Retry a repair job's escrow hold's failed Route transfer (audited)" })
  retryRepairJob(
    @Param() p: RepairTransferRetryParamDto,
    @Body() dto: RetryTransferDto,
    @Meta() meta: RequestMeta,
  ): Promise<TransferRetryDto> {
    return this.retries.retry({ repairJobId: p.repairJobId }, dto.reason, meta);
  }
}
