import { Readable } from 'node:stream';
import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../common/pagination.js';
import { periodOf } from '../common/period.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { AUDIT_EXPORT_CONTENT_TYPES, auditExportChunks } from './audit-export.js';
import { AuditAnchorService } from './audit-anchor.service.js';
import { AuditHeadSigner } from './audit-head-signer.js';
import { AuditQueryService, type AuditFilter } from './audit-query.service.js';
import { AuditService } from './audit.service.js';
import { AuditEventPageDto, AuditHeadDto, AuditVerificationDto } from './dto/audit-event.dto.js';
import {
  AuditExportQueryDto,
  AuditSearchQueryDto,
  type AuditFilterQueryDto,
} from './dto/audit-query.dto.js';

/** The audit log for staff: search (admin, ops_leader, compliance), export (compliance), head and verify. */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly events: AuditQueryService,
    private readonly signer: AuditHeadSigner,
    private readonly transactions: TransactionRunner,
    private readonly anchors: AuditAnchorService,
  ) {}

  /** Events matching every given criterion, newest first, with cursor pagination. */
  @Get('events')
  @Can('read', 'AuditEvent')
  @ApiOperation({ summary: 'Search the audit log' })
  @ApiOkResponse({ type: AuditEventPageDto })
  async search(@Query() query: AuditSearchQueryDto): Promise<AuditEventPageDto> {
    const page = await this.events.search(filterOf(query), {
      limit: query.limit,
      beforeSeq: parseKeysetCursor(query.cursor, {
        seq: cursorFields.integer(1, Number.MAX_SAFE_INTEGER),
      })?.seq,
    });
    const last = page.items[page.items.length - 1];
    return {
      items: page.items,
      ...(page.hasMore && last ? { nextCursor: encodeCursor({ seq: last.seq }) } : {}),
    };
  }

  /**
   * Every matching event in seq order, streamed (CSV or JSON Lines). The export is itself audited first
   * (`audit.export`, with the criteria and format), and covers the log up to and including that event.
   */
  @Get('events/export')
  @Can('export', 'AuditEvent')
  @ApiOperation({ summary: 'Export the audit log (CSV or JSON Lines, streamed)' })
  @ApiProduces(AUDIT_EXPORT_CONTENT_TYPES.csv, AUDIT_EXPORT_CONTENT_TYPES.jsonl)
  @ApiOkResponse({
    description:
      "CSV (RFC 4180, header row; cells starting with = + - @ are prefixed with `'`) or JSON Lines " +
      '(one event per line, as in search results, including prevHash and hash)',
    schema: { type: 'string' },
  })
  async export(
    @Query() query: AuditExportQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<StreamableFile> {
    const filter = filterOf(query);
    // Recorded and committed before the first byte is sent: an export that fails midway is still on record.
    const recorded = await this.transactions.run((tx) =>
      this.audit.record(tx, meta, {
        action: 'audit.export',
        targetType: 'audit_events',
        reason: query.reason,
        after: { format: query.format, filters: criteriaOf(query) },
      }),
    );
    const body = Readable.from(
      auditExportChunks(this.events.batches(filter, { untilSeq: recorded.seq }), query.format),
      { objectMode: false },
    );
    const stamp = recorded.occurredAt.replace(/[-:]/g, '').replace(/\.\d+/, '');
    return new StreamableFile(body, {
      type: AUDIT_EXPORT_CONTENT_TYPES[query.format],
      disposition: `attachment; filename="audit-events-${stamp}.${query.format}"`,
    });
  }

  /**
   * The chain's current head (its last event, not verified: see `verify`), signed (Ed25519) with
   * AUDIT_SIGNING_KEY to be kept off the box.
   */
  @Get('head')
  @Can('read', 'AuditEvent')
  @ApiOperation({ summary: 'Current head of the audit chain, signed (AUDIT_SIGNING_KEY)' })
  @ApiOkResponse({ type: AuditHeadDto })
  async head(): Promise<AuditHeadDto> {
    const head = { ...(await this.events.head()), at: new Date().toISOString() };
    return this.signer.sign(head);
  }

  /**
   * Recomputes the whole chain, checks it against the newest anchor (a signed head kept outside the
   * database: a rewritten chain no longer holds it) and reports the first bad event, if any.
   */
  @Get('verify')
  @Can('read', 'AuditEvent')
  @ApiOperation({ summary: 'Verify the audit chain and its newest anchor' })
  @ApiOkResponse({ type: AuditVerificationDto })
  async verify(): Promise<AuditVerificationDto> {
    return this.anchors.verify();
  }
}

/** The criteria as given, for the export's audit event. */
function criteriaOf(q: AuditFilterQueryDto): Record<string, string> {
  const { actorId, action, targetType, targetId, from, to } = q;
  return Object.fromEntries(
    Object.entries({ actorId, action, targetType, targetId, from, to }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

function filterOf(q: AuditFilterQueryDto): AuditFilter {
  return {
    actorId: q.actorId,
    action: q.action,
    targetType: q.targetType,
    targetId: q.targetId,
    ...periodOf(q),
  };
}
