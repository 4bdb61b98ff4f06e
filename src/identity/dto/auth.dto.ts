import { IsString, MaxLength, MinLength } from 'class-validator';

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
