import * as ImagePicker from 'expo-image-picker';
import { api, data, type Schemas } from '../api/client';

/** Files a repair job takes (the API's REPAIR_MEDIA_MAX). */
export const MAX_REPAIR_MEDIA = 10;

/** A photo or video picked on the device, to upload once its job exists. */
export interface PickedMedia {
  uri: string;
  /** Its media type (the API checks it against the bytes). */
  type: string;
  name: string;
}

/**
 * Photos and videos (or only photos) from the device's library, at most `limit` (none when the user
 * cancels). iOS hands over a compatible form (JPEG rather than HEIC), which the API takes.
 */
export async function pickMedia(
  limit: number,
  mediaTypes: ImagePicker.MediaType[] = ['images', 'videos'],
): Promise<PickedMedia[]> {
  const result = await ImagePicker.launchImageLibraryAsync({
    mediaTypes,
    allowsMultipleSelection: true,
    selectionLimit: limit,
    preferredAssetRepresentationMode:
      ImagePicker.UIImagePickerPreferredAssetRepresentationMode.Compatible,
  });
  if (result.canceled) return [];
  return result.assets.slice(0, limit).map((a) => ({
    uri: a.uri,
    type: a.mimeType ?? (a.type === 'video' ? 'video/mp4' : 'image/jpeg'),
    name: a.fileName ?? a.uri.split('/').pop() ?? a.uri,
  }));
}

/** Files a dispute takes from all its parties (the API's DISPUTE_EVIDENCE_MAX). */
export const MAX_DISPUTE_EVIDENCE = 10;

/** A picked file's bytes, sent as they are with its media type (the contract types them a string). */
async function rawBody(file: PickedMedia) {
  const bytes = await (await fetch(file.uri)).blob();
  return {
    body: bytes as unknown as string,
    bodySerializer: (body: string) => body,
    headers: { 'content-type': file.type },
  };
}

/** Uploads a picked file to the job as its raw bytes (`POST /repairs/{id}/media`). */
export async function uploadRepairMedia(
  repairJobId: string,
  file: PickedMedia,
): Promise<Schemas['RepairMediaDto']> {
  return data(
    api.POST('/repairs/{repairJobId}/media', {
      params: { path: { repairJobId } },
      ...(await rawBody(file)),
    }),
  );
}

/** Adds a picked file to a dispute as its evidence (`POST /disputes/{id}/evidence`). */
export async function uploadDisputeEvidence(
  disputeId: string,
  file: PickedMedia,
): Promise<Schemas['DisputeDto']> {
  return data(
    api.POST('/disputes/{id}/evidence', {
      params: { path: { id: disputeId } },
      ...(await rawBody(file)),
    }),
  );
}

/** Adds a picked photo to a dealer's listing (`POST /dealer/listings/{id}/images`). */
export async function uploadListingImage(
  listingId: string,
  file: PickedMedia,
): Promise<Schemas['ListingImageDto']> {
  return data(
    api.POST('/dealer/listings/{listingId}/images', {
      params: { path: { listingId } },
      ...(await rawBody(file)),
    }),
  );
}
