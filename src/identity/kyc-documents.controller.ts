import { Controller, Get, Headers, Param, Put, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import {
  KYC_CONTENT_TYPES,
  KycApplicantParamDto,
  KycDocumentDto,
  KycDocumentKindParamDto,
  KycDocumentParamDto,
} from './dto/kyc-document.dto.js';
import { KycDocuments } from './kyc-documents.service.js';

const KYC_BINARY_CONTENT = Object.fromEntries(
  KYC_CONTENT_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
);

/** An applicant's own KYC documents (dealers, business buyers, technicians; any approval status). */
@ApiTags('accounts')
@ApiBearerAuth()
@Controller('me/kyc-documents')
export class KycDocumentsController {
  constructor(private readonly documents: KycDocuments) {}

  /**
   * My GST certificate, PAN card or shop photo as the raw body (image/jpeg, image/png, image/webp or
   * application/pdf; KYC_DOCUMENT_MAX_BYTES). The type is checked against the bytes; an image is
   * decoded whole and stored re-encoded without metadata (its EXIF GPS position is gone); a PDF must
   * be whole (`%PDF-` … `%%EOF`), not encrypted and without active content (JavaScript, launch
   * actions, embedded files), and is stored as sent. It becomes the current document of its kind;
   * the one it replaces is kept, superseded.
   */
  @Put(':kind')
  @Can('create', 'KycDocument')
  @ApiOperation({ summary: 'Upload a KYC document (raw image or PDF bytes)' })
  @ApiConsumes(...KYC_CONTENT_TYPES)
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: KycDocumentDto })
  @ApiPayloadTooLargeResponse({ description: '`kyc-document/too-large`' })
  @ApiUnsupportedMediaTypeResponse({ description: '`kyc-document/unsupported-type`' })
  @ApiUnprocessableEntityResponse({
    description:
      '`media/undecodable`: not a whole image or PDF; `media/too-many-pixels`: more than MEDIA_IMAGE_MAX_PIXELS pixels; `media/pdf-encrypted`: an encrypted PDF; `media/pdf-active-content`: a PDF with JavaScript, launch actions, embedded files, rich media or XFA forms (`found` names them)',
  })
  @ApiServiceUnavailableResponse({ description: '`storage/unavailable` (Retry-After)' })
  upload(
    @Param() p: KycDocumentKindParamDto,
    @Req() request: FastifyRequest,
    @Meta() meta: RequestMeta,
  ): Promise<KycDocumentDto> {
    return this.documents.upload(p.kind, request.headers['content-type'], request.body, meta);
  }

  /** My documents, current ones first (no bytes: only staff download them). */
  @Get()
  @Can('read', 'KycDocument')
  @ApiOperation({ summary: 'My KYC documents' })
  @ApiOkResponse({ type: [KycDocumentDto] })
  mine(@Meta() meta: RequestMeta): Promise<KycDocumentDto[]> {
    return this.documents.mine(meta);
  }
}

/** Staff who read the approval queue: an applicant's KYC documents. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/approvals/:userId/documents')
export class AdminKycDocumentsController {
  constructor(private readonly documents: KycDocuments) {}

  /** The applicant's documents, current ones first, then the replaced ones (newest first). */
  @Get()
  @Can('read', 'ApprovalQueue')
  @ApiOperation({ summary: "An applicant's KYC documents" })
  @ApiOkResponse({ type: [KycDocumentDto] })
  @ApiNotFoundResponse({ description: '`kyc-document/applicant-not-found`' })
  list(@Param() p: KycApplicantParamDto): Promise<KycDocumentDto[]> {
    return this.documents.ofApplicant(p.userId);
  }

  /**
   * A document's bytes: its Content-Type, `ETag: "<sha256>"` (If-None-Match → 304), a private
   * Cache-Control, one byte range (→ 206; past the end → 416), as repair media is served; always
   * `X-Content-Type-Options: nosniff`, and a PDF as `Content-Disposition: attachment` (saved, not shown).
   */
  @Get(':id')
  @Can('read', 'ApprovalQueue')
  @ApiOperation({ summary: 'Download a KYC document' })
  @ApiProduces(...KYC_CONTENT_TYPES)
  @ApiOkResponse({ description: 'The whole file', content: KYC_BINARY_CONTENT })
  @ApiResponse({
    status: 206,
    description: 'The requested byte range',
    content: KYC_BINARY_CONTENT,
  })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched the ETag)' })
  @ApiNotFoundResponse({ description: '`kyc-document/not-found`' })
  @ApiResponse({ status: 416, description: '`kyc-document/range-not-satisfiable`' })
  @ApiServiceUnavailableResponse({ description: '`storage/unavailable` (Retry-After)' })
  @ApiHeader({ name: 'range', required: false, description: 'One byte range, e.g. `bytes=0-`' })
  @ApiHeader({ name: 'if-range', required: false, description: 'The ETag the range is for' })
  @ApiHeader({ name: 'if-none-match', required: false, description: 'A previous ETag' })
  async file(
    @Param() p: KycDocumentParamDto,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile | undefined> {
    const file = await this.documents.download(p.userId, p.id, { range, ifRange, ifNoneMatch });
    void reply.status(file.status).headers(file.headers);
    return file.body === null ? undefined : new StreamableFile(file.body);
  }
}
