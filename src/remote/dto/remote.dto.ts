import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { CONSENT_PERMISSIONS, type ConsentPermission } from '../domain/consent-text.js';
import { IsImei } from '../../common/imei.js';
import {
  REMOTE_SESSION_STATUSES,
  type RemoteSessionStatus,
} from '../domain/remote-session-state.js';
import { UUID } from '../../common/uuid.js';

const NOT_BLANK = /\S/;
const AGENT_ROLES = ['customer', 'technician'] as const;

export class RemoteSessionIdParamDto {
  @Matches(UUID, { message: 'remoteSessionId must be a UUID' })
  remoteSessionId!: string;
}

// ---- consent ----

export class ConsentPermissionTextDto {
  @ApiProperty({ enum: CONSENT_PERMISSIONS })
  permission!: ConsentPermission;
  title!: string;
  description!: string;
}

export class ConsentTechnicianDto {
  id!: string;
  name!: string;
}

export class ConsentDurationDto {
  consentHours!: number;
  sessionMaxMinutes!: number;
  text!: string;
}

/** The notice the apps render before the customer accepts (its `version` is what they accept). */
export class ConsentNoticeDto {
  version!: string;
  /** SHA-256 of the notice's canonical JSON, stored with the consent. */
  sha256!: string;
  title!: string;
  purpose!: string;
  technician!: ConsentTechnicianDto;
  @ApiProperty({ type: [ConsentPermissionTextDto] })
  permissions!: ConsentPermissionTextDto[];
  duration!: ConsentDurationDto;
  dataProcessed!: string[];
  howToRevoke!: string;
  yourRights!: string;
}

/** A consent given for a job (the customer's record of it). */
export class ConsentDto {
  id!: string;
  repairJobId!: string;
  technicianId!: string;
  textVersion!: string;
  textSha256!: string;
  @ApiProperty({ enum: CONSENT_PERMISSIONS, isArray: true })
  permissions!: ConsentPermission[];
  /** The one service a remote session may reach. */
  target!: string;
  acceptedAt!: string;
  expiresAt!: string;
  revokedAt!: string | null;
  /** Neither revoked nor expired, and for the job's current technician. */
  active!: boolean;
}

export class ConsentScreenDto {
  notice!: ConsentNoticeDto;
  /** The latest consent for this job's technician, if any. */
  consent!: ConsentDto | null;
}

export class AcceptConsentDto {
  /** The notice version the customer saw (`ConsentNoticeDto.version`). */
  @IsString()
  @Length(1, 100)
  textVersion!: string;

  @ApiProperty({ enum: CONSENT_PERMISSIONS, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CONSENT_PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(CONSENT_PERMISSIONS, { each: true })
  permissions!: ConsentPermission[];

  /** The customer's device (stored hashed). */
  @IsString()
  @Length(8, 512)
  deviceFingerprint!: string;
}

export class RevokeConsentDto {
  @ApiPropertyOptional({ description: 'The customer’s device (stored hashed)' })
  @IsOptional()
  @IsString()
  @Length(8, 512)
  deviceFingerprint?: string;
}

// ---- IMEI ----

export class RecordImeiDto {
  @ApiProperty({ description: '15 digits with a valid Luhn check digit' })
  @IsImei()
  imei!: string;
}

export class ImeiRevealDto {
  repairJobId!: string;
  @ApiProperty({ description: 'The IMEI (every reveal is audited)' })
  imei!: string;
}

export class StaffImeiRevealDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;

  /** Ops leader: reveal although policy forbids it (no active consent, job closed), audited as an override. */
  @IsOptional()
  @IsBoolean()
  override?: boolean;
}

export class ImeiRecordedDto {
  repairJobId!: string;
  recorded!: boolean;
}

export class SameDeviceJobsDto {
  repairJobId!: string;
  /** Other repair jobs whose IMEI is the same (newest first; at most 100). */
  otherRepairJobIds!: string[];
}

// ---- sessions ----

export class RemoteSessionTotalsDto {
  bytesCustomerToTechnician!: number;
  bytesTechnicianToCustomer!: number;
  reconnects!: number;
  throttledMs!: number;
}

export class RemoteSessionDto {
  id!: string;
  repairJobId!: string;
  customerId!: string;
  technicianId!: string;
  @ApiProperty({ enum: REMOTE_SESSION_STATUSES })
  status!: RemoteSessionStatus;
  target!: string;
  bandwidthBps!: number;
  requestedAt!: string;
  joinBy!: string;
  approvedAt!: string | null;
  hardStopAt!: string | null;
  connectedAt!: string | null;
  activeAt!: string | null;
  endedAt!: string | null;
  /** ended_by_customer, ended_by_technician, consent_revoked, hard_stop, job_closed, admin_kill, expired_unjoined, or the relay's. */
  endReason!: string | null;
  endedBy!: string | null;
  totals!: RemoteSessionTotalsDto;
}

export class RemoteSessionHistoryDto {
  event!: string;
  from!: string;
  to!: string;
  actor!: string;
  reason!: string | null;
  at!: string;
}

export class RelayEventLogDto {
  type!: string;
  role!: string | null;
  at!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  detail!: Record<string, unknown>;
}

export class ActivityLogDto {
  kind!: string | null;
  service!: string;
  at!: string;
}

/** A session with its logs: its moves, the relay's reports (never payload) and the customer agent's record. */
export class RemoteSessionDetailDto extends RemoteSessionDto {
  @ApiProperty({ type: [RemoteSessionHistoryDto] })
  history!: RemoteSessionHistoryDto[];
  @ApiProperty({ type: [RelayEventLogDto] })
  relayEvents!: RelayEventLogDto[];
  @ApiProperty({ type: [ActivityLogDto] })
  activity!: ActivityLogDto[];
}

export class RemoteSessionPageDto {
  @ApiProperty({ type: [RemoteSessionDto] })
  items!: RemoteSessionDto[];
  nextCursor?: string;
}

export class AdminRemoteSessionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['live', 'ended'] })
  @IsOptional()
  @IsIn(['live', 'ended'])
  state?: 'live' | 'ended';
}

export class KillRemoteSessionDto {
  @IsString()
  @Length(3, 1000)
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class AgentTokenRequestDto {
  @ApiProperty({ enum: AGENT_ROLES })
  @IsIn(AGENT_ROLES)
  role!: (typeof AGENT_ROLES)[number];

  /** The agent's device id (its own stable id on that computer). */
  @IsString()
  @Length(1, 128)
  @Matches(/^[\x21-\x7e]+$/, { message: 'deviceId must be printable ASCII without spaces' })
  deviceId!: string;

  /** SHA-256 of the agent's ephemeral inner-TLS certificate (DER), 64 lowercase hex digits. */
  @Matches(/^[0-9a-f]{64}$/, { message: 'certFingerprint must be 64 lowercase hex digits' })
  certFingerprint!: string;
}

/** A join token (docs/remote-tunnel.md) and where to use it. */
export class AgentTokenDto {
  /** `fbt1.<payload>.<signature>`: present it to the relay once, by `joinBy`. */
  token!: string;
  jti!: string;
  sessionId!: string;
  @ApiProperty({ enum: AGENT_ROLES })
  role!: (typeof AGENT_ROLES)[number];
  /** The relay the session runs on (its `TUNNEL_RELAY_ID`); the token is good at that relay only. */
  relayId!: string;
  /** Where that relay is, `tls://host:port`. */
  relayUrl!: string;
  /** SHA-256 of the relay's certificate, when the agents should pin it. */
  relayCertFingerprint!: string | null;
  target!: string;
  bandwidthBps!: number;
  joinBy!: string;
  hardStopAt!: string;
  /** The platform's tunnel public keys (base64 raw Ed25519), to verify the peer's token. */
  publicKeys!: string[];
}

export class ActivityItemDto {
  @IsISO8601({ strict: true })
  at!: string;

  /** What the agent made of it: `shell`, `sync`, `install`, … */
  @IsOptional()
  @IsString()
  @Length(1, 40)
  kind?: string;

  /** What was opened on the phone, e.g. `shell:ls`, `sync:`. */
  @IsString()
  @Length(1, 200)
  service!: string;
}

export class ActivityBatchDto {
  @ApiProperty({ type: [ActivityItemDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ActivityItemDto)
  items!: ActivityItemDto[];
}

export class AcceptedCountDto {
  accepted!: number;
}

const RELAY_EVENT_TYPES = [
  'agent_connected',
  'paired',
  'first_open',
  'reconnected',
  'ended',
] as const;

export class RelayEventDto {
  /** The relay's id of this event: the same event sent twice is applied once. */
  @IsString()
  @Length(1, 100)
  id!: string;

  @Matches(UUID, { message: 'sid must be a UUID' })
  sid!: string;

  @ApiProperty({ enum: RELAY_EVENT_TYPES })
  @IsIn(RELAY_EVENT_TYPES)
  type!: (typeof RELAY_EVENT_TYPES)[number];

  /** When it happened at the relay (ISO-8601). */
  @IsISO8601({ strict: true })
  at!: string;

  @ApiPropertyOptional({ enum: AGENT_ROLES })
  @IsOptional()
  @IsIn(AGENT_ROLES)
  role?: (typeof AGENT_ROLES)[number];

  /** `ended`: why the relay ended it (`hard_stop`, `revoked`, `agent_timeout`, `relay_shutdown`, …). */
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'reason must be a snake_case word' })
  reason?: string;

  /** Totals so far (any event may carry them; `ended` should): bytes the customer's side sent. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  bytesFromCustomer?: number;
  /** Bytes the technician's side sent. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  bytesFromTechnician?: number;
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  reconnects?: number;
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  throttledMs?: number;
}

export class RelayEventsBatchDto {
  /** The reporting relay (events are deduplicated per relay and event id; default `relay`). */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  relayId?: string;

  @ApiProperty({ type: [RelayEventDto] })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => RelayEventDto)
  events!: RelayEventDto[];
}

export class RelayEventsResultDto {
  /** Events stored now. */
  accepted!: number;
  /** Already received (same relay and id), or of a session this API does not know. */
  ignored!: number;
}

export class SignedRevocationListDto {
  /** `fbr1.<payload>.<signature>`: a `full` RevocationList (docs/remote-tunnel.md). */
  list!: string;
}

export class TunnelKeysDto {
  /** Base64 raw Ed25519 public keys that sign join tokens and revocation lists. */
  keys!: string[];
}
