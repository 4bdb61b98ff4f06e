import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import {
  CreateRepairJobDto,
  RepairJobDto,
  RepairJobIdParamDto,
  RepairJobReasonDto,
} from './dto/repair-job.dto.js';
import { RepairJobs } from './repair-jobs.service.js';

/**
 * Repair jobs, the skeleton: a customer creates a job for an approved technician at the agreed
 * amount, pays it (`POST /repair-jobs/{id}/payments`, src/payments/), and completes it, which makes
 * the technician's escrow due for release. Staff may complete a paid job for its customer.
 */
@ApiTags('repair-jobs')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller()
export class RepairJobsController {
  constructor(private readonly jobs: RepairJobs) {}

  @Post('repair-jobs')
  @Can('create', 'Purchase')
  @ApiOperation({ summary: 'Create a repair job for a technician at an agreed amount' })
  create(@Body() dto: CreateRepairJobDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.create(dto, meta);
  }

  @Get('repair-jobs/:repairJobId')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'My repair job' })
  get(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.get(p.repairJobId, meta);
  }

  @Post('repair-jobs/:repairJobId/cancel')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Cancel my repair job (before it is paid)' })
  cancel(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.cancel(p.repairJobId, meta);
  }

  @Post('repair-jobs/:repairJobId/complete')
  @HttpCode(200)
  @Can('update', 'Purchase')
  @ApiOperation({ summary: 'Confirm my paid repair job is done (the technician is then paid)' })
  complete(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairJobDto> {
    return this.jobs.complete(p.repairJobId, meta);
  }

  @Post('admin/repair-jobs/:repairJobId/complete')
  @HttpCode(200)
  @Can('override', 'RepairJob')
  @ApiOperation({ summary: 'Complete a paid repair job for its customer (with a reason, audited)' })
  staffComplete(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RepairJobReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.jobs.staffComplete(p.repairJobId, dto.reason, meta);
  }
}
