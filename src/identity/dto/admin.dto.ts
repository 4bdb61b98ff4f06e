import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { SIGNUP_ROLES, STAFF_ROLES, type SignupRole, type StaffRole } from '../../common/roles.js';
import { PHONE_PATTERN } from './signup.dto.js';
import { UUID } from '../../common/uuid.js';

export class CreateStaffDto {
  @IsIn(STAFF_ROLES)
  role!: StaffRole;

  @IsString()
  @Length(1, 120)
  displayName!: string;

  @IsEmail()
  @MaxLength(254)
  email!: string;

  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be in E.164 form, e.g. +919876543210' })
  phone?: string;

  @IsString()
  @MinLength(10)
  @MaxLength(128)
  password!: string;
}

export class StatusActionDto {
  /** Why: kept in the account's history and the audit log. */
  @IsString()
  @Length(3, 500)
  reason!: string;

  /**
   * Ops leader only: perform a change that policy otherwise forbids (e.g. re-approving a blocked dealer).
   * The audit event is marked as an override.
   */
  @IsOptional()
  @IsBoolean()
  override?: boolean;
}

export class ReasonDto {
  @IsString()
  @Length(3, 500)
  reason!: string;
}

export class ApprovalQueueQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(SIGNUP_ROLES)
  role?: SignupRole;
}

export class UserIdParamDto {
  @Matches(UUID, {
    message: 'id must be a UUID',
  })
  id!: string;
}

export class SessionIdParamDto {
  @Matches(UUID, {
    message: 'sessionId must be a UUID',
  })
  sessionId!: string;
}

export class RevokedDto {
  @Type(() => Number)
  revoked!: number;
}
