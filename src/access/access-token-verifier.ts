import type { AccountStatus, Role, TechnicianKind } from '../common/roles.js';

/** What a valid access token names: the account and the session it was issued to. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/**
 * Checks a Bearer access token for the authentication guard. Declared here so access depends on no
 * feature; identity implements it (TokenService) and provides it to AccessModule.
 */
export abstract class AccessTokenVerifier {
  /** The claims of a valid, unexpired token; undefined for anything else. */
  abstract verifyAccess(token: string): AccessClaims | undefined;
}

/** What the guard needs to know of a token's session and account, read afresh or from a cache kept current. */
export interface SessionPrincipal {
  role: Role;
  status: AccountStatus;
  technicianKind: TechnicianKind | null;
  phoneUnverified: boolean;
}

/**
 * The principal of an active session (not revoked, not expired) of the account, or undefined.
 * Declared here like the verifier; identity implements it (SessionPrincipals), since the sessions
 * and accounts are its tables.
 */
export abstract class PrincipalSource {
  abstract principalOf(claims: AccessClaims): Promise<SessionPrincipal | undefined>;
}
