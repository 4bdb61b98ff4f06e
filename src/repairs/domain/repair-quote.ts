/**
 * A technician's quote: labour and parts lines, all the technician's own supply, each at the GST
 * rate the technician states (a GST-registered technician charges GST on what it supplies; one not
 * registered cannot, so its lines are at 0 %). Prices are before GST; the GST of a line is its
 * taxable value × rate, rounded half up to the paisa; the customer pays the total.
 */

/** The GST rates (basis points) a line may state: the GST schedule's slabs. */
export const GST_RATES_BPS = [0, 500, 1200, 1800, 2800] as const;

export const QUOTE_LINE_KINDS = ['labour', 'parts'] as const;
export type QuoteLineKind = (typeof QUOTE_LINE_KINDS)[number];

/** The most a repair job may cost (₹5,00,000), in paise, GST included. */
export const MAX_REPAIR_JOB_PAISE = 50_000_000;

export interface QuoteLineInput {
  readonly kind: QuoteLineKind;
  readonly description: string;
  readonly quantity: number;
  /** Per unit, before GST, integer paise. */
  readonly unitPaise: number;
  readonly gstRateBps: number;
}

export interface PricedQuoteLine extends QuoteLineInput {
  readonly taxablePaise: number;
  readonly gstPaise: number;
}

export interface PricedQuote {
  readonly lines: readonly PricedQuoteLine[];
  readonly taxablePaise: number;
  readonly gstPaise: number;
  readonly totalPaise: number;
}

/** Why a quote cannot be priced: the field (`lines[2].gstRateBps`) and what is wrong with it. */
export interface QuoteProblem {
  readonly field: string;
  readonly message: string;
}

/** Prices the lines, or says what is wrong with them (shape is the DTO's; this checks the rules). */
export function priceQuote(
  lines: readonly QuoteLineInput[],
  technicianGstRegistered: boolean,
): PricedQuote | { problems: QuoteProblem[] } {
  const problems: QuoteProblem[] = [];
  lines.forEach((l, i) => {
    if (!technicianGstRegistered && l.gstRateBps !== 0)
      problems.push({
        field: `lines[${i}].gstRateBps`,
        message: 'a technician not registered for GST cannot charge GST (use 0)',
      });
  });
  const priced = lines.map((l) => {
    const taxablePaise = l.quantity * l.unitPaise;
    return {
      ...l,
      taxablePaise,
      gstPaise: Math.floor((taxablePaise * l.gstRateBps + 5_000) / 10_000),
    };
  });
  const taxablePaise = priced.reduce((s, l) => s + l.taxablePaise, 0);
  const gstPaise = priced.reduce((s, l) => s + l.gstPaise, 0);
  const totalPaise = taxablePaise + gstPaise;
  if (totalPaise > MAX_REPAIR_JOB_PAISE)
    problems.push({
      field: 'lines',
      message: `the quote's total (${totalPaise} paise) is above the most a repair may cost (${MAX_REPAIR_JOB_PAISE})`,
    });
  if (totalPaise < 100)
    problems.push({ field: 'lines', message: 'the quote must total at least 100 paise' });
  return problems.length > 0 ? { problems } : { lines: priced, taxablePaise, gstPaise, totalPaise };
}

/**
 * The quote as the escrow release sees the sale (ledger-spec/recipes.md §3): one line per quote
 * line, GST included, at its own rate.
 */
export function saleLinesOfQuote(
  lines: readonly PricedQuoteLine[],
): { grossPaise: number; gstRateBps: number }[] {
  return lines.map((l) => ({ grossPaise: l.taxablePaise + l.gstPaise, gstRateBps: l.gstRateBps }));
}
