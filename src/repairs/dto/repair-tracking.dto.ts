import { ApiProperty } from '@nestjs/swagger';
import { REPAIR_JOB_STATUSES, type RepairJobStatus } from '../domain/repair-job-state.js';

/** The technician's last trusted position (exact). */
export class TrackedPositionDto {
  lat!: number;
  lng!: number;
  /** The fix's accuracy radius, metres. */
  accuracyM!: number;
  /** When the device took the fix. */
  recordedAt!: string;
}

/**
 * Where the job's technician is while on its way: shown only while the job is `en_route` (before
 * departure and from arrival on every field but the job's id and status is null).
 */
export class RepairTrackingDto {
  repairJobId!: string;
  @ApiProperty({ enum: REPAIR_JOB_STATUSES })
  status!: RepairJobStatus;
  /** Null unless the job is en route and the technician has sent a trusted fix. */
  position!: TrackedPositionDto | null;
  /** Seconds since the fix was taken (by the server's clock, at least 0). */
  @ApiProperty({ type: 'integer', nullable: true })
  fixAgeSeconds!: number | null;
  /** Straight-line distance to the job's location, in 100 m steps (at least 100). */
  @ApiProperty({ type: 'integer', nullable: true })
  distanceM!: number | null;
  /** Estimated seconds to arrival (at least 60): distance over the fix's speed or the city speed. */
  @ApiProperty({ type: 'integer', nullable: true })
  etaSeconds!: number | null;
  /** `fix_speed`: the speed the device reported (plausible, fix ≤ 60 s old); `city_speed`: 18 km/h. */
  @ApiProperty({ enum: ['fix_speed', 'city_speed'], nullable: true })
  etaBasis!: 'fix_speed' | 'city_speed' | null;
}
