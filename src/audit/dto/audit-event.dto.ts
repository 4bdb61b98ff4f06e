import { ApiProperty } from '@nestjs/swagger';

/** One audit event as stored, with the hash chain fields. */
export class AuditEventDto {
  /** Position in the chain, from 1, without gaps. */
  seq!: number;
  id!: string;
  /** ISO-8601 UTC with milliseconds. */
  occurredAt!: string;
  /** The staff account that acted; null for the system. */
  actorId!: string | null;
  /** The actor's role at the time, or `system`. */
  actorRole!: string | null;
  /** What was done, e.g. `user.approve`, `audit.export`. */
  action!: string;
  targetType!: string | null;
  targetId!: string | null;
  /** The reason the actor gave. */
  reason!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Summary of the target before the action',
  })
  before!: unknown;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Summary of the target after the action',
  })
  after!: unknown;
  /** Performed by ops_leader overriding a policy that forbids it. */
  override!: boolean;
  requestId!: string | null;
  ip!: string | null;
  /** SHA-256 of the client's device fingerprint header. */
  deviceFingerprint!: string | null;
  /** The previous event's hash (64 zeros for the first event). */
  prevHash!: string;
  /** SHA-256 (hex) over the canonical JSON of every field above. */
  hash!: string;
}

export class AuditEventPageDto {
  items!: AuditEventDto[];
  /** Pass as `cursor` to fetch the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** The chain's head, signed when AUDIT_SIGNING_KEY is configured. */
export class AuditHeadDto {
  /** Events in the chain (the last event's seq). */
  count!: number;
  /** The last event's hash (64 zeros when the log is empty). */
  hash!: string;
  /** When the head was read (ISO-8601 UTC). */
  at!: string;
  algorithm?: 'Ed25519';
  /** The exact UTF-8 bytes signed: canonical JSON of `{at, count, hash, type: "fixbazaar.audit-head.v1"}`. */
  message?: string;
  /** Ed25519 signature over `message`, base64. */
  signature?: string;
  /** The signing key's public half (SPKI PEM). */
  publicKey?: string;
}

export class AuditChainHeadDto {
  count!: number;
  hash!: string;
}

export class AuditChainBreakDto {
  /** The first event that does not fit (for `truncated`: the expected head's seq). */
  seq!: number;
  eventId!: string | null;
  /** `head_mismatch`, `truncated` and `anchor_signature`: the chain does not hold the anchor (rewritten or cut). */
  problem!:
    | 'hash_mismatch'
    | 'prev_hash_mismatch'
    | 'seq_gap'
    | 'head_mismatch'
    | 'truncated'
    | 'anchor_signature';
  /** For `seq_gap`: the seq that should have come next. */
  expectedSeq?: number;
  detail!: string;
}

export class AuditVerificationDto {
  /** Every event's hash recomputes and each follows its predecessor. */
  intact!: boolean;
  /** Events verified (before the first bad one, when broken). */
  count!: number;
  /** The verified head, when intact. */
  head?: AuditChainHeadDto;
  /** The first bad event, when broken. */
  firstBad?: AuditChainBreakDto;
  /** The newest anchor (a signed head kept outside the database) checked; null when none yet. */
  anchor!: AuditAnchorRefDto | null;
}

export class AuditAnchorRefDto {
  /** The anchor's key in the anchor store (ANCHOR_STORAGE). */
  key!: string;
  /** The anchored head: events then in the chain and the last one's hash. */
  count!: number;
  hash!: string;
  /** When the head was anchored (ISO-8601 UTC). */
  at!: string;
}
