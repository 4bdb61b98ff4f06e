import { IsArray, IsOptional, IsString, Length, ArrayMaxSize } from 'class-validator';
import type { AccountStatus, Role, TechnicianKind } from '../../access/roles.js';
import { AddressDto, ServiceAreaDto } from './signup.dto.js';

export class AccountDto {
  id!: string;
  role!: Role;
  status!: AccountStatus;
  email!: string | null;
  phone!: string | null;
  displayName!: string;
  businessName?: string;
  gstin?: string;
  pan?: string;
  pickupAddress?: AddressDto;
  technicianKind?: TechnicianKind;
  skills?: string[];
  serviceArea?: ServiceAreaDto;
  createdAt!: string;
}

export class StatusChangeDto {
  fromStatus!: AccountStatus | null;
  toStatus!: AccountStatus;
  reason!: string;
  actorId!: string | null;
  override!: boolean;
  at!: string;
}

export class AccountDetailDto extends AccountDto {
  history!: StatusChangeDto[];
}

export class AccountPageDto {
  items!: AccountDto[];
  nextCursor?: string;
}

/** What an account may change about itself. Role, status and identity documents are not among them. */
export class UpdateMeDto {
  @IsOptional()
  @IsString()
  @Length(1, 120)
  displayName?: string;

  /** Technicians only. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @Length(1, 60, { each: true })
  skills?: string[];
}

export class SessionDto {
  id!: string;
  createdAt!: string;
  lastUsedAt!: string;
  expiresAt!: string;
  revokedAt!: string | null;
  revokedReason!: string | null;
  ip!: string | null;
  userAgent!: string | null;
  /** True for the session the request was made with. */
  current!: boolean;
}
