import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsLatitude,
  IsLongitude,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { TECHNICIAN_KINDS, type TechnicianKind } from '../../common/roles.js';
import { isValidGstin, PAN_PATTERN } from '../../common/gstin.js';
import { INDIAN_STATE_NAMES, type IndianState } from '../../common/indian-states.js';

export const PHONE_PATTERN = /^\+[1-9][0-9]{7,14}$/;

/** A well-formed GSTIN whose 15th character is its check character. */
const IsGstin = (): PropertyDecorator =>
  ValidateBy({
    name: 'isGstin',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isValidGstin(value),
      defaultMessage: () =>
        'gstin must be a valid 15-character GSTIN (state code, PAN, entity, Z, check character)',
    },
  });

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

/** Fields of a GST-registered signup (business buyer, dealer). */
export class GstRegisteredSignupDto extends SignupBaseDto {
  @IsString()
  @Length(2, 200)
  businessName!: string;

  /** 15-character GSTIN with a valid check character; one account of each kind per GSTIN. */
  @IsGstin()
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

  /** The state or union territory, by name; it must be the GSTIN's state. */
  @ApiProperty({ enum: INDIAN_STATE_NAMES })
  @IsIn(INDIAN_STATE_NAMES)
  state!: IndianState;

  /** 6-digit Indian PIN code. */
  @Matches(/^[1-9][0-9]{5}$/, { message: 'pincode must be a 6-digit PIN code' })
  pincode!: string;
}

/** Business buyer: the billing address is in the GSTIN's state and is the place of supply of its orders. */
export class BusinessSignupDto extends GstRegisteredSignupDto {
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  billingAddress!: AddressDto;
}

/** Dealer: the PAN is the one inside the GSTIN, the pickup address is in the GSTIN's state. */
export class DealerSignupDto extends GstRegisteredSignupDto {
  @Matches(PAN_PATTERN, { message: 'pan must be a valid 10-character PAN' })
  pan!: string;

  @IsObject()
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

  /** The phone brands repaired (e.g. Samsung, Apple); validated like skills. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @Length(1, 60, { each: true })
  brands?: string[];

  @IsObject()
  @ValidateNested()
  @Type(() => ServiceAreaDto)
  serviceArea!: ServiceAreaDto;
}
