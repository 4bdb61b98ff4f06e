/**
 * Pure rules of the commission tax invoice (no I/O): the Indian financial year of an IST date, the
 * invoice number, and the split of GST on commission into CGST + SGST (same state) or IGST.
 */

/** The Indian financial year (April–March) of an IST calendar date `YYYY-MM-DD`, as `2026-27`. */
export function financialYear(istDate: string): string {
  const m = /^(\d{4})-(\d{2})-\d{2}$/.exec(istDate);
  if (m === null) throw new Error(`not an ISO date: ${istDate}`);
  const year = Number(m[1]);
  const start = Number(m[2]) >= 4 ? year : year - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/**
 * `FB/<yy-yy>/<7-digit sequence>`, e.g. `FB/26-27/0000001` for the financial year `2026-27`: 16
 * characters, the most a GST invoice number may have (CGST Rules, rule 46(b)), and unique within the
 * financial year.
 */
export function invoiceNumber(fy: string, seq: number): string {
  return documentNumber('FB', fy, seq);
}

/**
 * `CN/<yy-yy>/<7-digit sequence>`: a credit note for commission given back, in a series of its own
 * (CGST Rules, rule 53: consecutive, unique within the financial year, at most 16 characters).
 */
export function creditNoteNumber(fy: string, seq: number): string {
  return documentNumber('CN', fy, seq);
}

function documentNumber(series: 'FB' | 'CN', fy: string, seq: number): string {
  if (!/^\d{4}-\d{2}$/.test(fy)) throw new Error(`not a financial year: ${fy}`);
  if (!Number.isInteger(seq) || seq < 1 || seq > 9_999_999)
    throw new Error(`document sequence out of range: ${seq}`);
  return `${series}/${fy.slice(2)}/${String(seq).padStart(7, '0')}`;
}

/** The state code of a GSTIN: its first two digits. */
export function gstinStateCode(gstin: string): string {
  if (!/^[0-9]{2}/.test(gstin)) throw new Error('a GSTIN starts with its two-digit state code');
  return gstin.slice(0, 2);
}

export interface GstSplit {
  supply: 'intra_state' | 'inter_state';
  cgstPaise: bigint;
  sgstPaise: bigint;
  igstPaise: bigint;
}

/**
 * GST on commission (already computed by the release, ledger recipe §3) split by place of supply:
 * platform and dealer registered in the same state → CGST + SGST (half each; an odd paisa goes to
 * SGST), else IGST.
 */
export function splitGst(gstPaise: bigint, platformGstin: string, dealerGstin: string): GstSplit {
  return splitGstByState(gstPaise, gstinStateCode(platformGstin), gstinStateCode(dealerGstin));
}

/**
 * The same split by the recipient's state code (the place of supply): a recipient not registered
 * for GST is supplied where its address on record is (IGST Act §12(2)(b)), and with none on record
 * where the platform is (`recipientStateCode` null: intra-state).
 */
export function splitGstByState(
  gstPaise: bigint,
  platformStateCode: string,
  recipientStateCode: string | null,
): GstSplit {
  return splitBySupply(
    gstPaise,
    recipientStateCode === null || platformStateCode === recipientStateCode
      ? 'intra_state'
      : 'inter_state',
  );
}

/** GST split for a supply already placed: half CGST and half SGST (the odd paisa to SGST), or IGST. */
export function splitBySupply(gstPaise: bigint, supply: GstSplit['supply']): GstSplit {
  if (supply === 'intra_state') {
    const cgstPaise = gstPaise / 2n;
    return { supply, cgstPaise, sgstPaise: gstPaise - cgstPaise, igstPaise: 0n };
  }
  return { supply, cgstPaise: 0n, sgstPaise: 0n, igstPaise: gstPaise };
}
