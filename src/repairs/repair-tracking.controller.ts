import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import { RepairJobIdParamDto } from './dto/repair-job.dto.js';
import { RepairTrackingDto } from './dto/repair-tracking.dto.js';
import { RepairTracking } from './repair-tracking.service.js';

const TRACKING =
  'Only while the job is en_route: the technician’s last trusted position (exact), the fix’s age, the straight-line distance in 100 m steps and an ETA (the fix’s speed when plausible, else 18 km/h; at least 60 s). Before departure and from arrival on, every field but repairJobId and status is null.';

/** The customer follows its technician on the way. */
@ApiTags('repairs')
@ApiBearerAuth()
@RateLimitCategory('orders')
@Controller('repairs')
export class RepairTrackingController {
  constructor(private readonly tracking: RepairTracking) {}

  @Get(':repairJobId/tracking')
  @Can('read', 'Purchase')
  @ApiOperation({ summary: 'Where my technician is on the way', description: TRACKING })
  get(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairTrackingDto> {
    return this.tracking.forCustomer(p.repairJobId, meta);
  }
}

/** Staff (admin, ops leader) see the same, every read audited. */
@ApiTags('repairs')
@ApiBearerAuth()
@Controller('admin/repairs')
export class AdminRepairTrackingController {
  constructor(private readonly tracking: RepairTracking) {}

  @Get(':repairJobId/tracking')
  @Can('read', 'TechnicianTracking')
  @ApiOperation({
    summary: 'Where a repair’s technician is on the way (audited)',
    description: TRACKING,
  })
  get(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RepairTrackingDto> {
    return this.tracking.forStaff(p.repairJobId, meta);
  }
}
