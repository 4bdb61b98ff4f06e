/**
 * What an evidence file claims to be, read from its bytes (the request's Content-Type is only a
 * claim): photos by the listing images' magic numbers (JPEG, PNG, WebP), videos by theirs — MP4 (an
 * ISO BMFF `ftyp` box first) and WebM (an EBML header whose DocType is `webm`). Whether the file is
 * whole is checked after (src/common/media).
 */
import { detectImageType, IMAGE_CONTENT_TYPES } from '../catalog/domain/listing-image.js';

export const VIDEO_CONTENT_TYPES = ['video/mp4', 'video/webm'] as const;
export type VideoContentType = (typeof VIDEO_CONTENT_TYPES)[number];
export const EVIDENCE_CONTENT_TYPES = [...IMAGE_CONTENT_TYPES, ...VIDEO_CONTENT_TYPES] as const;
export type EvidenceContentType = (typeof EVIDENCE_CONTENT_TYPES)[number];

const ascii = (b: Uint8Array, at: number, text: string): boolean =>
  b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));

/** The video format by magic number, or null. */
export function detectVideoType(b: Uint8Array): VideoContentType | null {
  if (ascii(b, 4, 'ftyp')) return 'video/mp4';
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) {
    // The DocType element (0x42 0x82) sits in the EBML header, within its first bytes.
    const head = Buffer.from(b.subarray(0, Math.min(b.length, 64))).toString('latin1');
    const at = head.indexOf('\x42\x82');
    if (at >= 0 && head.slice(at + 3, at + 7) === 'webm') return 'video/webm';
  }
  return null;
}

/** The evidence format by magic number, or null when it is none of the accepted ones. */
export function detectEvidenceType(b: Uint8Array): EvidenceContentType | null {
  return detectImageType(b) ?? detectVideoType(b);
}

export const isVideo = (t: string): t is VideoContentType => t.startsWith('video/');

export const isEvidenceType = (t: string): t is EvidenceContentType =>
  (EVIDENCE_CONTENT_TYPES as readonly string[]).includes(t);

/** The file name extension of each type (a download's Content-Disposition names `evidence-<id>.<ext>`). */
export const EVIDENCE_EXTENSIONS: Record<EvidenceContentType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
};
