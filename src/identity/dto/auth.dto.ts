import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  /** Email or E.164 phone number. */
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  identifier!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}

export class RefreshDto {
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  refreshToken!: string;
}

export class ChangePasswordDto {
  @IsString()
  @MaxLength(128)
  currentPassword!: string;

  /** 10 to 128 characters. */
  @IsString()
  @MinLength(10)
  @MaxLength(128)
  newPassword!: string;
}

export class TokensDto {
  tokenType!: 'Bearer';
  accessToken!: string;
  /** Seconds until the access token expires. */
  expiresIn!: number;
  /** Single use: each refresh returns a new one; presenting a used one ends the session. */
  refreshToken!: string;
  sessionId!: string;
}

/** Staff after the password: a second step before any session. */
export class MfaChallengeDto {
  /**
   * `mfa_required`: send a TOTP or recovery code to `POST /auth/mfa/verify`.
   * `mfa_enrolment_required`: enrol first (`POST /auth/mfa/enrolment`, then `.../confirm`).
   */
  status!: 'mfa_required' | 'mfa_enrolment_required';
  /** Short-lived (5 min), for the second step only; it is not an access token. */
  mfaToken!: string;
  /** Seconds until `mfaToken` expires. */
  expiresIn!: number;
}

export class MfaTokenDto {
  @IsString()
  @MinLength(20)
  @MaxLength(2000)
  mfaToken!: string;
}

export class MfaEnrolmentDto {
  /** Base32 TOTP secret (SHA-1, 6 digits, 30 s), for typing into an authenticator app. */
  secret!: string;
  /** The same as an `otpauth://totp/...` URI (a QR code for authenticator apps). */
  otpauthUri!: string;
}

export class MfaConfirmDto extends MfaTokenDto {
  /** The authenticator's current 6-digit code. */
  @Matches(/^[0-9]{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class MfaVerifyDto extends MfaTokenDto {
  /** The authenticator's current 6-digit code (or `recoveryCode`). */
  @IsOptional()
  @Matches(/^[0-9]{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  /** One of the recovery codes given at enrolment (each works once), instead of `code`. */
  @IsOptional()
  @IsString()
  @MaxLength(32)
  recoveryCode?: string;
}

export class MfaEnrolledDto extends TokensDto {
  /** Ten single-use codes for signing in without the authenticator; shown only now. */
  recoveryCodes!: string[];
}

export class PasswordResetRequestDto {
  /** The account's email or E.164 phone number: the code goes there (e-mail or SMS). */
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  identifier!: string;
}

export class PasswordResetConfirmDto extends PasswordResetRequestDto {
  /** The 6-digit code received. */
  @Matches(/^[0-9]{6}$/, { message: 'code must be 6 digits' })
  code!: string;

  /** 10 to 128 characters (the signup rule). */
  @IsString()
  @MinLength(10)
  @MaxLength(128)
  newPassword!: string;
}

export class PasswordResetRequestedDto {
  /** Always the same, whether or not an account has this identifier. */
  detail!: string;
  /** Seconds a code stays valid. */
  codeExpiresIn!: number;
}

export class PhoneCodeDto {
  /** The 6-digit code texted to the account's phone. */
  @Matches(/^[0-9]{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}
