/**
 * IMEI: 15 decimal digits, the last a Luhn check digit over the first 14 (3GPP TS 23.003). The
 * DTOs validate with it (`IsImei`) and the IMEI vault (src/remote/) refuses anything else.
 */
import { ValidateBy } from 'class-validator';

export const IMEI_PATTERN = /^[0-9]{15}$/;

/** Luhn: from the right, every second digit doubled (its digits summed); the total is a multiple of 10. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function isValidImei(value: unknown): value is string {
  return typeof value === 'string' && IMEI_PATTERN.test(value) && luhnValid(value);
}

export const IMEI_MESSAGE = 'imei must be 15 digits with a valid Luhn check digit';

/** A DTO field holding an IMEI; the message never repeats the value. */
export const IsImei = (): PropertyDecorator =>
  ValidateBy({
    name: 'isImei',
    validator: {
      validate: (value: unknown) => isValidImei(value),
      defaultMessage: () => IMEI_MESSAGE,
    },
  });
