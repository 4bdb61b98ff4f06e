import { ApiProperty } from '@nestjs/swagger';
import { IsIn, Matches } from 'class-validator';
import { IMAGE_CONTENT_TYPES } from '../../common/media/media-type.js';
import { PDF_CONTENT_TYPE } from '../../common/media/pdf-check.js';
import { UUID } from '../../common/uuid.js';

export const KYC_DOCUMENT_KINDS = ['gst_certificate', 'pan_card', 'shop_photo'] as const;
export type KycDocumentKind = (typeof KYC_DOCUMENT_KINDS)[number];

/** What a KYC document may be: a photo (JPEG, PNG, WebP) or a PDF. */
export const KYC_CONTENT_TYPES = [...IMAGE_CONTENT_TYPES, PDF_CONTENT_TYPE] as const;
export type KycContentType = (typeof KYC_CONTENT_TYPES)[number];

export class KycDocumentKindParamDto {
  @ApiProperty({ enum: KYC_DOCUMENT_KINDS })
  @IsIn(KYC_DOCUMENT_KINDS, { message: `kind must be one of ${KYC_DOCUMENT_KINDS.join(', ')}` })
  kind!: KycDocumentKind;
}

export class KycApplicantParamDto {
  @Matches(UUID, { message: 'userId must be a UUID' })
  userId!: string;
}

export class KycDocumentParamDto extends KycApplicantParamDto {
  @Matches(UUID, { message: 'id must be a UUID' })
  id!: string;
}

/** A KYC document as recorded (never its bytes). */
export class KycDocumentDto {
  id!: string;
  userId!: string;
  @ApiProperty({ enum: KYC_DOCUMENT_KINDS })
  kind!: KycDocumentKind;
  @ApiProperty({ enum: KYC_CONTENT_TYPES })
  contentType!: KycContentType;
  @ApiProperty({ type: 'integer' })
  byteSize!: number;
  /** SHA-256 (hex) of the stored bytes (a photo re-encoded without metadata, a PDF as sent); its download's ETag. */
  sha256!: string;
  uploadedAt!: string;
  /** When a newer upload of the same kind replaced it; null for the current one. */
  @ApiProperty({ type: String, nullable: true })
  supersededAt!: string | null;
  /** Where staff who read the approval queue download the bytes. */
  url!: string;
}
