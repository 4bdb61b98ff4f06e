import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsISO8601,
  IsLatitude,
  IsLongitude,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { TECHNICIAN_KINDS, type TechnicianKind } from '../../common/roles.js';
import {
  SETTABLE_AVAILABILITIES,
  TECHNICIAN_AVAILABILITIES,
  type SettableAvailability,
  type TechnicianAvailability,
} from '../domain/availability.js';
import { READINESS_ITEMS, type ReadinessItem } from '../technician-readiness.js';
import { REVIEW_REASONS, type ReviewReason } from '../domain/location-plausibility.js';

const NOT_BLANK = /\S/;

export class SetAvailabilityDto {
  /** `busy` is set by jobs, not by the technician. */
  @ApiProperty({ enum: SETTABLE_AVAILABILITIES })
  @IsIn(SETTABLE_AVAILABILITIES)
  availability!: SettableAvailability;
}

export class AvailabilityDto {
  @ApiProperty({ enum: TECHNICIAN_AVAILABILITIES })
  availability!: TechnicianAvailability;
  /** Flagged for location review: out of matching and the nearby list until staff clear it. */
  flagged!: boolean;
}

/** Whether the technician's profile is complete for jobs, and what its tax position means. */
export class ReadinessDto {
  ready!: boolean;
  @ApiProperty({ enum: READINESS_ITEMS, isArray: true })
  missing!: ReadinessItem[];
  /** What to complete, in words (null when ready). */
  detail!: string | null;
  /** A PAN on file: TDS at 0.1 % (without one, 5 %). */
  panOnFile!: boolean;
  /** GST-registered: quotes carry GST and TCS is collected on payouts. */
  gstRegistered!: boolean;
}

/** One location fix as the technician app reads it from the OS. */
export class LocationFixDto {
  @IsLatitude()
  lat!: number;

  @IsLongitude()
  lng!: number;

  /** Horizontal accuracy radius, metres. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100_000)
  accuracyM!: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1000)
  speedMps?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(360)
  headingDeg?: number;

  /** When the device took the fix (ISO 8601 with a time zone). */
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/(Z|[+-]\d{2}:?\d{2})$/, { message: 'recordedAt must carry a time zone (Z or ±hh:mm)' })
  recordedAt!: string;

  /** The OS flagged the location as mocked (Android `isMock`, iOS `isSimulatedBySoftware`). */
  @IsOptional()
  @IsBoolean()
  mock?: boolean;

  /** The location provider (e.g. `gps`, `fused`, `network`). */
  @IsOptional()
  @IsString()
  @Length(1, 40)
  provider?: string;
}

export class LocationAcceptedDto {
  /** Whether this fix became the current position (moved ≥ 50 m or ≥ 30 s since the last one, and plausible). */
  positionUpdated!: boolean;
}

export class NearbyFilterQueryDto {
  @Type(() => Number)
  @IsLatitude()
  lat!: number;

  @Type(() => Number)
  @IsLongitude()
  lng!: number;

  @ApiPropertyOptional({ minimum: 0.1, maximum: 50, default: 5 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.1)
  @Max(50)
  radiusKm: number = 5;

  @ApiPropertyOptional({ enum: TECHNICIAN_KINDS })
  @IsOptional()
  @IsIn(TECHNICIAN_KINDS)
  kind?: TechnicianKind;

  /** A skill the technician lists (exact). */
  @IsOptional()
  @IsString()
  @Length(1, 60)
  skill?: string;

  /** A brand the technician repairs (exact). */
  @IsOptional()
  @IsString()
  @Length(1, 60)
  brand?: string;
}

export class NearbyQueryDto extends IntersectionType(PageQueryDto, NearbyFilterQueryDto) {}

/** A technician near the caller. Never coordinates: the distance in 100 m steps. */
export class NearbyTechnicianDto {
  id!: string;
  displayName!: string;
  @ApiProperty({ enum: TECHNICIAN_KINDS })
  kind!: TechnicianKind;
  skills!: string[];
  brands!: string[];
  /** Distance from the query point, rounded to 100 m steps (at least 100). */
  @ApiProperty({ type: 'integer' })
  distanceM!: number;
  /** Revealed customers' ratings counted. */
  @ApiProperty({ type: 'integer' })
  ratingCount!: number;
  /** Bayesian average of the ratings, 1–5 to two decimals (the platform's prior mean while there are few: README "Ratings and ranking"). */
  rating!: number;
  /** Repair jobs the technician completed. */
  @ApiProperty({ type: 'integer' })
  completedJobs!: number;
  /** The ranking's score (the rating times the acceptance factor), 0–1 to three decimals: what matching ranks by. */
  rankScore!: number;
}

export class NearbyPageDto {
  items!: NearbyTechnicianDto[];
  nextCursor?: string;
}

export class TechnicianIdParamDto {
  @IsUUID()
  id!: string;
}

export class ReviewReasonDto {
  @IsString()
  @Length(3, 500)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class LocationReviewDto {
  id!: string;
  technicianId!: string;
  displayName!: string;
  @ApiProperty({ enum: ['open', 'cleared', 'suspended'] })
  status!: 'open' | 'cleared' | 'suspended';
  /** The rolling spoofing score when the technician was flagged. */
  score!: number;
  @ApiProperty({ enum: REVIEW_REASONS, isArray: true })
  reasons!: ReviewReason[];
  openedAt!: string;
  resolvedAt!: string | null;
  resolutionReason!: string | null;
}

export class LocationReviewPageDto {
  items!: LocationReviewDto[];
  nextCursor?: string;
}
