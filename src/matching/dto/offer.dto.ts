import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { TECHNICIAN_KINDS, type TechnicianKind } from '../../common/roles.js';
import { UUID } from '../../common/uuid.js';

export class OfferIdParamDto {
  @Matches(UUID, { message: 'offerId must be a UUID' })
  offerId!: string;
}

/** An open offer as its technician sees it: no customer, no exact location until accepted. */
export class RepairOfferDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  repairJobId!: string;
  @ApiProperty({ enum: TECHNICIAN_KINDS })
  kind!: TechnicianKind;
  @ApiProperty({ enum: ['offline', 'online'] })
  mode!: 'offline' | 'online';
  deviceBrand!: string;
  deviceModel!: string;
  problem!: string;
  /** From the technician's position when offered to the job, in 100 m steps. */
  distanceM!: number;
  @ApiProperty({ format: 'date-time' })
  offeredAt!: string;
  /** After this (the database clock) an acceptance is refused (409 `offer/expired`). */
  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}

export class OfferDeclinedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: ['declined'] })
  status!: 'declined';
}
