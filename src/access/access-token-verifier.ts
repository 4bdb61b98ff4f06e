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
  /** The claims of a valid, unexpired token and when it expires (ms); undefined for anything else. */
  abstract verifyAccess(token: string): (AccessClaims & { expiresAtMs: number }) | undefined;
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
  /**
   * Calls `listener` with an account's id as soon as its sessions, role or status may have changed
   * (a session revoked, the account blocked or suspended, a logout everywhere), or with null when
   * every account may have (changes may have been missed). Returns the unsubscribe function. For
   * long-lived connections (the chat socket) that must end when their principal does.
   */
  abstract onChange(listener: (userId: string | null) => void): () => void;
}
