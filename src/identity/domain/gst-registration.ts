import { gstinPan, gstinStateCode } from '../../common/gstin.js';
import { gstStateCodeOf, type IndianState } from '../../common/indian-states.js';

/** Why a GST-registered signup's details do not fit its GSTIN (the GSTIN itself is well-formed). */
export interface GstRegistrationMismatch {
  code: 'gstin-state-mismatch' | 'gstin-pan-mismatch';
  /** The request field at fault (dotted path). */
  field: string;
  message: string;
}

/**
 * A dealer's or business buyer's signup against its GSTIN: the address (pickup or billing) is in the
 * GSTIN's state (its first two digits), and a dealer's PAN is the PAN inside the GSTIN.
 */
export function checkGstRegistration(input: {
  gstin: string;
  address: { field: string; state: IndianState };
  pan?: string;
}): GstRegistrationMismatch | null {
  const code = gstinStateCode(input.gstin);
  if (gstStateCodeOf(input.address.state) !== code) {
    return {
      code: 'gstin-state-mismatch',
      field: input.address.field,
      message: `${input.address.field} must be the GSTIN's state (state code ${code}); ${input.address.state} is ${gstStateCodeOf(input.address.state)}`,
    };
  }
  if (input.pan !== undefined && input.pan !== gstinPan(input.gstin)) {
    return {
      code: 'gstin-pan-mismatch',
      field: 'pan',
      message: `pan must be the PAN inside the GSTIN (its characters 3 to 12, ${gstinPan(input.gstin)})`,
    };
  }
  return null;
}
