import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { TECHNICIAN_KINDS, type TechnicianKind } from '../../common/roles.js';
import { REPAIR_JOB_STATUSES, type RepairJobStatus } from '../domain/repair-job-state.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOT_BLANK = /\S/;

/** The most a repair job may cost (₹5,00,000), in paise. */
export const MAX_REPAIR_JOB_PAISE = 50_000_000;

/**
 * A repair job at an agreed amount for an approved technician of its kind (the skeleton: quoting
 * and matching arrive with the repair-services issue).
 */
export class CreateRepairJobDto {
  @ApiProperty({ enum: TECHNICIAN_KINDS })
  @IsIn(TECHNICIAN_KINDS)
  kind!: TechnicianKind;

  /** An approved technician of this kind. */
  @Matches(UUID, { message: 'technicianId must be a UUID' })
  technicianId!: string;

  /** The accepted quote, integer paise (GST included when the technician is GST-registered). */
  @ApiProperty({ type: 'integer', minimum: 100, maximum: MAX_REPAIR_JOB_PAISE })
  @IsInt()
  @Min(100)
  @Max(MAX_REPAIR_JOB_PAISE)
  amountPaise!: number;
}

export class RepairJobIdParamDto {
  @Matches(UUID, { message: 'repairJobId must be a UUID' })
  repairJobId!: string;
}

/** Staff completing a job for the customer say why. */
export class RepairJobReasonDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class RepairJobDto {
  id!: string;
  customerId!: string;
  technicianId!: string | null;
  @ApiProperty({ enum: TECHNICIAN_KINDS })
  kind!: TechnicianKind;
  @ApiProperty({ enum: REPAIR_JOB_STATUSES })
  status!: RepairJobStatus;
  @ApiProperty({ type: 'integer', description: 'Integer paise' })
  amountPaise!: number;
  paidAt!: string | null;
  completedAt!: string | null;
  createdAt!: string;
}
