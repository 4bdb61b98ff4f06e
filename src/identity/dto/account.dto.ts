import { IsArray, IsOptional, IsString, Length, ArrayMaxSize } from 'class-validator';
import type { AccountStatus, Role, TechnicianKind } from '../../common/roles.js';
import { AddressDto, ServiceAreaDto } from './signup.dto.js';

export class AccountDto {
  id!: string;
  role!: Role;
  status!: AccountStatus;
  email!: string | null;
  phone!: string | null;
  /** When the phone was verified by a texted code; null while unverified (checkout waits for it). */
  phoneVerifiedAt!: string | null;
  displayName!: string;
  businessName?: string;
  gstin?: string;
  pan?: string;
  pickupAddress?: AddressDto;
  /** Business buyers: in the GSTIN's state; the place of supply of their orders. */
  billingAddress?: AddressDto;
  technicianKind?: TechnicianKind;
  skills?: string[];
  brands?: string[];
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
  /**
   * Set on an account that shared its GSTIN with an older account of the same kind before one
   * account per GSTIN was enforced: that account's id (it keeps the GSTIN).
   */
  gstinDuplicateOf?: string;
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

  /** Technicians only: the phone brands repaired. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @Length(1, 60, { each: true })
  brands?: string[];
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
