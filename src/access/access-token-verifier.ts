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
  abstract verifyAccess(token: string): Promise<AccessClaims | undefined>;
}
