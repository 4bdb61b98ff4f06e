import { IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { PeriodQueryDto } from '../../common/period.js';
import { AUDIT_EXPORT_FORMATS, type AuditExportFormat } from '../audit-export.js';

/** Search criteria shared by search and export, the period on `occurred_at`; they combine with AND. */
export class AuditFilterQueryDto extends PeriodQueryDto {
  /** Only events by this account. */
  @IsOptional()
  @IsUUID()
  actorId?: string;

  /** Only this action, e.g. `user.approve`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  /** Only events about this kind of target, e.g. `user`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  targetType?: string;

  /** Only events about this target id (combine with `targetType`). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  targetId?: string;
}

export class AuditSearchQueryDto extends IntersectionType(PageQueryDto, AuditFilterQueryDto) {}

export class AuditExportQueryDto extends AuditFilterQueryDto {
  /** `csv` (RFC 4180) or `jsonl` (JSON Lines, one event per line). */
  @IsIn(AUDIT_EXPORT_FORMATS)
  format!: AuditExportFormat;

  /** Why the export is made (kept in the export's own audit event). */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
