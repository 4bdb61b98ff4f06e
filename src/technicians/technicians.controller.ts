import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RateLimitCategory } from '../rate-limit/rate-limit.decorator.js';
import {
  AvailabilityDto,
  LocationAcceptedDto,
  LocationFixDto,
  NearbyPageDto,
  NearbyQueryDto,
  ReadinessDto,
  SetAvailabilityDto,
} from './dto/technician.dto.js';
import { TechnicianPresence } from './technician-presence.service.js';

/**
 * Technicians' availability and location (approved technicians only: others get 403
 * `technician/not-approved`), and the customers' nearby search, which never shows a position.
 */
@ApiTags('technicians')
@ApiBearerAuth()
@Controller('technicians')
export class TechniciansController {
  constructor(private readonly presence: TechnicianPresence) {}

  @Get('me/availability')
  @Can('update', 'TechnicianPresence')
  @ApiOperation({
    summary:
      'The technician’s availability now (active, inactive, or busy on a job) and whether it is flagged',
  })
  currentAvailability(@Meta() meta: RequestMeta): Promise<AvailabilityDto> {
    return this.presence.availability(meta);
  }

  @Put('me/availability')
  @Can('update', 'TechnicianPresence')
  @ApiOperation({ summary: 'Go active or inactive (busy is set by jobs)' })
  availability(
    @Body() dto: SetAvailabilityDto,
    @Meta() meta: RequestMeta,
  ): Promise<AvailabilityDto> {
    return this.presence.setAvailability(dto.availability, meta);
  }

  @Get('me/readiness')
  @Can('update', 'TechnicianPresence')
  @ApiOperation({
    summary: 'Whether the profile is complete for jobs',
    description:
      'A technician goes active and is assigned jobs only with the brands it repairs and its payee details on file; `missing` names what is not. Also whether a PAN (TDS 0.1 %, else 5 %) and a GSTIN are on file.',
  })
  readiness(@Meta() meta: RequestMeta): Promise<ReadinessDto> {
    return this.presence.readiness(meta);
  }

  @Post('me/location')
  @HttpCode(202)
  @Can('update', 'TechnicianPresence')
  @RateLimitCategory('location')
  @ApiOperation({
    summary: 'Send a location fix',
    description:
      'Every fix is kept (with its plausibility score) for TECHNICIAN_LOCATION_HISTORY_DAYS; the current position moves only for a plausible fix ≥ 50 m or ≥ 30 s from the last one written. Rate limited by the `location` category (technicians: 30/min).',
  })
  location(@Body() dto: LocationFixDto, @Meta() meta: RequestMeta): Promise<LocationAcceptedDto> {
    return this.presence.recordFix(dto, meta);
  }

  @Get('nearby')
  @Can('read', 'TechnicianSearch')
  @ApiOperation({
    summary: 'Available technicians near a point, nearest first',
    description:
      'Approved, active, not flagged technicians within radiusKm (default 5, at most 50). Distances are rounded to 100 m steps; no coordinates are returned.',
  })
  nearby(@Query() q: NearbyQueryDto): Promise<NearbyPageDto> {
    return this.presence.nearby(q);
  }
}
