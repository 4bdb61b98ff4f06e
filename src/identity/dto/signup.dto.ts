import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsLatitude,
  IsLongitude,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { TECHNICIAN_KINDS, type TechnicianKind } from '../../access/roles.js';

export const PHONE_PATTERN = /^\+[1-9][0-9]{7,14}$/;
export const GSTIN_PATTERN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;
export const PAN_PATTERN = /^[A-Z]{5}[0-9]{4}[A-Z]$/;

/** Fields every self-signup takes. At least one of email or phone. */
export class SignupBaseDto {
  /** Name shown to others. */
  @IsString()
  @Length(1, 120)
  displayName!: string;

  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  /** E.164, e.g. +919876543210. */
  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be in E.164 form, e.g. +919876543210' })
  phone?: string;

  /** 10 to 128 characters. */
  @IsString()
  @MinLength(10)
  @MaxLength(128)
  password!: string;
}

export class CustomerSignupDto extends SignupBaseDto {}

export class BusinessSignupDto extends SignupBaseDto {
  @IsString()
  @Length(2, 200)
  businessName!: string;

  /** 15-character GSTIN, verified by an admin before B2B prices and orders open. */
  @Matches(GSTIN_PATTERN, { message: 'gstin must be a valid 15-character GSTIN' })
  gstin!: string;
}

export class AddressDto {
  @IsString()
  @Length(1, 200)
  line1!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  line2?: string;

  @IsString()
  @Length(1, 100)
  city!: string;

  @IsString()
  @Length(1, 100)
  state!: string;

  /** 6-digit Indian PIN code. */
  @Matches(/^[1-9][0-9]{5}$/, { message: 'pincode must be a 6-digit PIN code' })
  pincode!: string;
}

export class DealerSignupDto extends BusinessSignupDto {
  @Matches(PAN_PATTERN, { message: 'pan must be a valid 10-character PAN' })
  pan!: string;

  @ValidateNested()
  @Type(() => AddressDto)
  pickupAddress!: AddressDto;
}

export class ServiceAreaDto {
  @IsLatitude()
  latitude!: number;

  @IsLongitude()
  longitude!: number;

  @IsNumber()
  @Min(0.5)
  @Max(200)
  radiusKm!: number;
}

export class TechnicianSignupDto extends SignupBaseDto {
  @IsIn(TECHNICIAN_KINDS)
  kind!: TechnicianKind;

  @IsArray()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @Length(1, 60, { each: true })
  skills!: string[];

  @ValidateNested()
  @Type(() => ServiceAreaDto)
  serviceArea!: ServiceAreaDto;
}
