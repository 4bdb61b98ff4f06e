import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import {
  REVIEW_DIRECTIONS,
  REVIEW_FLAGS,
  REVIEW_TEXT_MAX,
  type ReviewDirection,
  type ReviewFlag,
} from '../domain/review-rules.js';
import { UUID } from '../../common/uuid.js';

const NOT_BLANK = /\S/;

/** A review: 1–5 whole stars and a text. */
export class ReviewInputDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 })
  @IsInt()
  @Min(1)
  @Max(5)
  stars!: number;

  @IsString()
  @Length(1, REVIEW_TEXT_MAX)
  @Matches(NOT_BLANK, { message: 'text must not be blank' })
  text!: string;
}

export class ReviewJobParamDto {
  @Matches(UUID, { message: 'repairJobId must be a UUID' })
  repairJobId!: string;
}

export class ReviewIdParamDto {
  @Matches(UUID, { message: 'reviewId must be a UUID' })
  reviewId!: string;
}

export class TechnicianIdParamDto {
  @Matches(UUID, { message: 'technicianId must be a UUID' })
  technicianId!: string;
}

/** Staff hiding a review's text say why. */
export class HideReviewDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class ReviewQueryDto extends PageQueryDto {}

export class ReviewDto {
  id!: string;
  repairJobId!: string;
  /** `of_technician`: the customer's review of the technician; `of_customer`: the technician's of the customer. */
  @ApiProperty({ enum: REVIEW_DIRECTIONS })
  direction!: ReviewDirection;
  authorId!: string;
  subjectId!: string;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 })
  stars!: number;
  /** Null when staff hid it. */
  text!: string | null;
  hidden!: boolean;
  /** Shown to others: both reviews are in, or the window has closed. */
  revealed!: boolean;
  submittedAt!: string;
  editedAt!: string | null;
  /** The author may edit it until then (and while not revealed). */
  editableUntil!: string;
  windowClosesAt!: string;
}

/** A job's reviews as one of its parties sees them: their own, and the other's once revealed. */
export class JobReviewsDto {
  @ApiProperty({ type: [ReviewDto] })
  items!: ReviewDto[];
  /** When the job's review window closes (null while the job is not completed). */
  windowClosesAt!: string | null;
}

export class ReviewPageDto {
  @ApiProperty({ type: [ReviewDto] })
  items!: ReviewDto[];
  nextCursor?: string;
}

/** A flagged review as staff see it (text in full, even when hidden or not yet revealed). */
export class FlaggedReviewDto extends ReviewDto {
  @ApiProperty({ enum: REVIEW_FLAGS, isArray: true })
  flags!: ReviewFlag[];
  /** The text as written (staff only). */
  originalText!: string;
  hiddenReason!: string | null;
}

export class FlaggedReviewPageDto {
  @ApiProperty({ type: [FlaggedReviewDto] })
  items!: FlaggedReviewDto[];
  nextCursor?: string;
}
