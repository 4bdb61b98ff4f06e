/** Who someone is on the platform. Self-signup roles first, then staff (created only by an admin). */
export const SIGNUP_ROLES = ['customer', 'business', 'dealer', 'technician'] as const;
/** `cfo` reads the money (ledger, finance views, reconciliation) and changes nothing. */
export const STAFF_ROLES = ['admin', 'finance', 'ops_leader', 'compliance', 'cfo'] as const;
export const ROLES = [...SIGNUP_ROLES, ...STAFF_ROLES] as const;

export type SignupRole = (typeof SIGNUP_ROLES)[number];
export type StaffRole = (typeof STAFF_ROLES)[number];
export type Role = (typeof ROLES)[number];

/** Approval status. Dealers, technicians and business buyers start pending; everyone else approved. */
export const ACCOUNT_STATUSES = ['pending', 'approved', 'suspended', 'blocked'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const TECHNICIAN_KINDS = ['hardware', 'software'] as const;
export type TechnicianKind = (typeof TECHNICIAN_KINDS)[number];

export function isStaff(role: Role): role is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(role);
}

export function needsApproval(role: Role): boolean {
  return role === 'dealer' || role === 'technician' || role === 'business';
}

/** The authenticated caller, as the guards resolve it on every request (status read fresh from the database). */
export interface Principal {
  userId: string;
  sessionId: string;
  role: Role;
  status: AccountStatus;
  technicianKind: TechnicianKind | null;
  /** The account has a phone number not yet verified by a texted code (it cannot place orders). */
  phoneUnverified?: boolean;
}
