/** Queue names of the calls module (pg-boss). */
export const CALL_JOBS = {
  /** `{ callId }`, started at the end of the ring time: a call still ringing is missed. */
  ringTimeout: 'calls.ring-timeout',
} as const;
