import { ROUTE_ROLES } from '../api/route-roles';

/** Staff roles: the only accounts the console signs in. */
export const STAFF_ROLES = ['admin', 'finance', 'ops_leader', 'compliance', 'cfo'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const ROLE_LABELS: Record<StaffRole, string> = {
  admin: 'Admin',
  finance: 'Finance',
  ops_leader: 'Ops leader',
  compliance: 'Compliance',
  cfo: 'CFO',
};

export function isStaffRole(role: string): role is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(role);
}

/** An API route as `METHOD /path` (OpenAPI form); a route the API drops fails the type-check. */
export type ApiRoute = keyof typeof ROUTE_ROLES;

/**
 * Whether `role` may call `route`, by the API's own rules (generated from its route policies and
 * abilities): the console shows a page or a button only when this holds.
 */
export function can(role: StaffRole | null | undefined, route: ApiRoute): boolean {
  return !!role && (ROUTE_ROLES[route] as readonly string[]).includes(role);
}
