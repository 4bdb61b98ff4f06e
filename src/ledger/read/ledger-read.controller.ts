import { Readable } from 'node:stream';
import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import { periodOf, type PeriodQueryDto, queryInstant } from '../../common/period.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import { TransactionRunner } from '../../database/transaction.js';
import { AuditService } from '../../audit/audit.service.js';
import {
  ACCOUNT_CODE_PATTERN,
  LedgerAccountCodeParamDto,
  LedgerAccountPageDto,
  LedgerAccountsQueryDto,
  LedgerAsOfQueryDto,
  LedgerBalanceDto,
  LedgerEntriesQueryDto,
  LedgerEntryDto,
  LedgerEntryIdParamDto,
  LedgerEntryPageDto,
  LedgerExportQueryDto,
  LedgerStatementDto,
  LedgerStatementQueryDto,
  LedgerTrialBalanceDto,
  LedgerVerificationDto,
} from '../dto/ledger-read.dto.js';
import { LEDGER_EXPORT_CONTENT_TYPES, ledgerExportChunks } from './ledger-export.js';
import {
  accountDto,
  balanceDto,
  entryDto,
  statementDto,
  trialBalanceDto,
} from './ledger-read.mapper.js';
import { LedgerAnchorService } from '../integrity/ledger-anchor.service.js';
import { type EntryFilter, LedgerReadService } from './ledger-read.service.js';
import { buildTrialBalance } from './trial-balance.js';

/**
 * The ledger for finance, compliance, the CFO, admin and ops leaders: accounts, balances (now or as of any
 * instant), statements, the trial balance, journal search and the audited journal export.
 */
@ApiTags('ledger')
@ApiBearerAuth()
@Controller('ledger')
export class LedgerReadController {
  constructor(
    private readonly ledger: LedgerReadService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly anchors: LedgerAnchorService,
  ) {}

  /**
   * Recomputes every entry hash, the seal chain, seal hashes and signatures and seal membership, and
   * checks the newest anchor (a seal kept outside the database) still holds: `ledger:verify`.
   */
  @Get('verify')
  @Can('read', 'Ledger')
  @ApiOperation({ summary: 'Verify the journal, its seals and the newest anchor' })
  @ApiOkResponse({ type: LedgerVerificationDto })
  async verify(): Promise<LedgerVerificationDto> {
    const r = await this.anchors.verifyAnchored();
    return { ...r, problems: [...r.problems], anchor: r.anchor ?? null };
  }

  /** Accounts by code, with counters and balances (current), filtered by code prefix and type. */
  @Get('accounts')
  @Can('read', 'Ledger')
  @ApiOperation({ summary: 'List ledger accounts with their balances' })
  @ApiOkResponse({ type: LedgerAccountPageDto })
  async accounts(@Query() query: LedgerAccountsQueryDto): Promise<LedgerAccountPageDto> {
    const afterCode = parseKeysetCursor(query.cursor, {
      code: cursorFields.matching(ACCOUNT_CODE_PATTERN),
    })?.code;
    const page = await this.ledger.accounts(
      { prefix: query.prefix, type: query.type },
      { limit: query.limit, afterCode },
    );
    const last = page.items[page.items.length - 1];
    return {
      items: page.items.map(accountDto),
      ...(page.hasMore && last ? { nextCursor: encodeCursor({ code: last.code }) } : {}),
    };
  }

  /**
   * An account's counters and balances: now (the account's counters) or, with `asOf`, recomputed
   * from every entry effective at or before that instant.
   */
  @Get('accounts/:code/balance')
  @Can('read', 'Ledger')
  @ApiOperation({ summary: 'Balance of one account, now or as of an instant' })
  @ApiOkResponse({ type: LedgerBalanceDto })
  @ApiNotFoundResponse({ description: 'No account with this code' })
  async balance(
    @Param() params: LedgerAccountCodeParamDto,
    @Query() query: LedgerAsOfQueryDto,
  ): Promise<LedgerBalanceDto> {
    const asOf = query.asOf === undefined ? undefined : queryInstant(query.asOf, 'asOf');
    const found = await this.ledger.balance(params.code, asOf);
    if (found === undefined) throw accountNotFound(params.code);
    return balanceDto(found.account, found.at);
  }

  /**
   * The account's lines in journal order with the posted balance after each; holds (`pending`)
   * and their releases (`released`) are listed but do not move it.
   */
  @Get('accounts/:code/statement')
  @Can('read', 'Ledger')
  @ApiOperation({ summary: 'Statement of one account with running balances' })
  @ApiOkResponse({ type: LedgerStatementDto })
  @ApiNotFoundResponse({ description: 'No account with this code' })
  async statement(
    @Param() params: LedgerAccountCodeParamDto,
    @Query() query: LedgerStatementQueryDto,
  ): Promise<LedgerStatementDto> {
    const range = periodOf(query);
    const position = parseKeysetCursor(query.cursor, {
      s: cursorFields.seqText,
      l: cursorFields.integer(0, 32767),
    });
    const after = position && { seq: BigInt(position.s), lineNo: position.l };
    const found = await this.ledger.statement(params.code, range, { limit: query.limit, after });
    if (found === undefined) throw accountNotFound(params.code);
    const last = found.lines[found.lines.length - 1];
    const nextCursor =
      found.hasMore && last
        ? encodeCursor({ s: last.entrySeq.toString(), l: last.lineNo })
        : undefined;
    return statementDto(found.account, found.lines, found.openingBalance, nextCursor);
  }

  /**
   * Every account's net posted balance in the debit or credit column, grouped by type, with
   * totals and whether they agree; pending totals apart. Now, or recomputed as of `asOf`.
   */
  @Get('trial-balance')
  @Can('read', 'Ledger')
  @ApiOperation({ summary: 'Trial balance, now or as of an instant' })
  @ApiOkResponse({ type: LedgerTrialBalanceDto })
  async trialBalance(@Query() query: LedgerAsOfQueryDto): Promise<LedgerTrialBalanceDto> {
    const asOf = query.asOf === undefined ? undefined : queryInstant(query.asOf, 'asOf');
    const { accounts, at } = await this.ledger.accountsAt(asOf);
    return trialBalanceDto(buildTrialBalance(accounts), at);
  }

  /**
   * Journal entries matching every criterion, newest first, with their lines and seal. `reference`
   * is a whole business reference, `<kind>:<id>`: `order:<orderId>` finds an order's whole money
   * trail; also `payment:`, `settlement:`, `payout:`, `adjustment:` and `entry:` (see the parameter).
   */
  @Get('entries')
  @Can('read', 'Ledger')
  @ApiOperation({ summary: 'Search the journal' })
  @ApiOkResponse({ type: LedgerEntryPageDto })
  async entries(@Query() query: LedgerEntriesQueryDto): Promise<LedgerEntryPageDto> {
    const filter: EntryFilter = {
      ...periodOf(query),
      reference: query.reference,
      eventType: query.eventType,
      account: query.account,
    };
    const seq = parseKeysetCursor(query.cursor, { seq: cursorFields.seqText })?.seq;
    const beforeSeq = seq === undefined ? undefined : BigInt(seq);
    const page = await this.ledger.entries(filter, { limit: query.limit, beforeSeq });
    const last = page.items[page.items.length - 1];
    return {
      items: page.items.map(entryDto),
      ...(page.hasMore && last ? { nextCursor: encodeCursor({ seq: last.seq.toString() }) } : {}),
    };
  }

  /** One journal entry with its lines, hash and seal. */
  @Get('entries/:entryId')
  @Can('read', 'Ledger')
  @ApiOperation({ summary: 'One journal entry' })
  @ApiOkResponse({ type: LedgerEntryDto })
  @ApiNotFoundResponse({ description: 'No entry with this id' })
  async entry(@Param() params: LedgerEntryIdParamDto): Promise<LedgerEntryDto> {
    const entry = await this.ledger.entry(params.entryId);
    if (entry === undefined) {
      throw new AppProblem(404, 'resource/not-found', 'Not found', 'No ledger entry with this id');
    }
    return entryDto(entry);
  }

  /**
   * The journal (entries effective in [from, to), in seq order), streamed as CSV or JSON Lines
   * with entry hashes and seal proofs. The export is audited (`ledger.export`, with the criteria,
   * format and last seq covered) and committed before the first byte is sent; entries appended
   * afterwards are left out.
   */
  @Get('export')
  @Can('export', 'Ledger')
  @ApiOperation({ summary: 'Export the journal (CSV or JSON Lines, streamed)' })
  @ApiProduces(LEDGER_EXPORT_CONTENT_TYPES.csv, LEDGER_EXPORT_CONTENT_TYPES.jsonl)
  @ApiOkResponse({
    description:
      "CSV (RFC 4180, header row, one row per line; cells starting with = + - @ are prefixed with `'`) " +
      'or JSON Lines (one entry per line, as in search results). Both carry each entry’s hash and ' +
      'its seal proof (empty/null while unsealed); amounts are exact integers of paise.',
    schema: { type: 'string' },
  })
  async export(
    @Query() query: LedgerExportQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<StreamableFile> {
    const range = periodOf(query);
    const { horizon, occurredAt } = await this.transactions.run(async (tx) => {
      const until = await this.ledger.exportHorizon(tx);
      const recorded = await this.audit.record(tx, meta, {
        action: 'ledger.export',
        targetType: 'ledger_entries',
        reason: query.reason,
        after: {
          format: query.format,
          filters: criteriaOf(query),
          // Every entry written by a transaction this snapshot sees as ended, and no other, is
          // exported.
          snapshot: until.snapshot,
        },
      });
      return { horizon: until, occurredAt: recorded.occurredAt };
    });
    const body = Readable.from(
      ledgerExportChunks(this.ledger.entryBatches(range, { horizon }), query.format),
      { objectMode: false },
    );
    const stamp = occurredAt.replace(/[-:]/g, '').replace(/\.\d+/, '');
    return new StreamableFile(body, {
      type: LEDGER_EXPORT_CONTENT_TYPES[query.format],
      disposition: `attachment; filename="ledger-journal-${stamp}.${query.format}"`,
    });
  }
}

function accountNotFound(code: string): AppProblem {
  return new AppProblem(
    404,
    'resource/not-found',
    'Not found',
    'No ledger account with this code',
    {
      account: code,
    },
  );
}

/** The criteria as given, for the export's audit event. */
function criteriaOf(q: PeriodQueryDto): Record<string, string> {
  const { from, to } = q;
  return Object.fromEntries(
    Object.entries({ from, to }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}
