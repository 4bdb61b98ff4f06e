/**
 * The matching's queues (src/matching/ works them): named here so repairs enqueue the matching of a
 * new hardware job in the transaction that creates it without importing the matching.
 */
export const REPAIR_MATCHING_JOBS = {
  /** `{ repairJobId, preferredTechnicianId? }`: offer a new hardware job to its first candidate. */
  start: 'matching.start',
  /** `{ offerId }`, sent to start at the offer's `expires_at`: expire it and offer the next one. */
  offerExpired: 'matching.offer-expired',
} as const;

export interface StartMatchingJob {
  repairJobId: string;
  preferredTechnicianId?: string;
}
