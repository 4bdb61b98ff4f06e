/**
 * A technician's availability: `active` (takes offers, shown nearby) or `inactive`, set by the
 * technician; `busy` while on a job, set by the jobs (`TechnicianPresence.setBusy`). A busy
 * technician cannot switch itself until the job lets go.
 */
export const TECHNICIAN_AVAILABILITIES = ['active', 'inactive', 'busy'] as const;
export type TechnicianAvailability = (typeof TECHNICIAN_AVAILABILITIES)[number];

export const SETTABLE_AVAILABILITIES = ['active', 'inactive'] as const;
export type SettableAvailability = (typeof SETTABLE_AVAILABILITIES)[number];
