import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { BLOCK_KINDS, type BlockKind } from '../rate-limit.store.js';

/** An active automatic block. */
export class AbuseBlockDto {
  /** `ip`: a client address; `fingerprint`: a device fingerprint (by its hash). */
  @ApiProperty({ enum: BLOCK_KINDS })
  kind!: BlockKind;
  /** The IP address, or the SHA-256 (hex) of the device fingerprint header (the raw value is never kept). */
  value!: string;
  /** ISO-8601 UTC. */
  blockedAt!: string;
  /** ISO-8601 UTC; the block ends by itself then. */
  blockedUntil!: string;
  /** Penalty points when the block was imposed (ABUSE_PENALTY_THRESHOLD or just above). */
  penalty!: number;
}

export class AbuseBlockPageDto {
  /** Latest-ending first. */
  items!: AbuseBlockDto[];
  /** Pass as `cursor` to fetch the next page; absent on the last page. */
  nextCursor?: string;
}

export class AbuseBlockParamsDto {
  @ApiProperty({ enum: BLOCK_KINDS })
  @IsIn(BLOCK_KINDS)
  kind!: BlockKind;

  /** The IP address, or the fingerprint hash, as listed. */
  @IsString()
  @Length(1, 128)
  value!: string;
}

export class LiftAbuseBlockDto {
  /** Why the block is lifted: kept in the audit log. */
  @IsString()
  @Length(3, 500)
  reason!: string;
}
