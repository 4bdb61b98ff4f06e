/**
 * The returns' files: GSTR-8 in the JSON shape of the GST portal's offline tool and as CSV, 194-O
 * as the deductee records of Form 26Q (CSV), and a deductee's quarterly TDS statement (HTML).
 * Amounts: the offline tool's JSON in rupees with two decimals, as the portal reads it; CSV and our
 * own JSON in integer paise. GSTR-1 (the commission invoices) as CSV.
 */
import { formatRupees } from '../ledger/domain/money.js';
import { csvChunks, type CsvCell } from '../common/csv.js';
import type { DeducteeStatement, ReturnReport } from './returns.service.js';

interface Gstr8RowFigures {
  supplierGstin: string;
  supplierName: string;
  grossSuppliesPaise: number;
  returnsPaise: number;
  netPaise: number;
  tcsPaise: number;
  igstPaise: number;
  cgstPaise: number;
  sgstPaise: number;
  originalPeriod?: string;
}

/** Paise → rupees with two decimals, as a JSON number (exact for amounts below 2^53 paise). */
const rupees = (paise: number) => Number(formatRupees(BigInt(paise)));

/** `2026-11` → `112026` (the offline tool's return period, MMYYYY). */
const fp = (period: string) => `${period.slice(5, 7)}${period.slice(0, 4)}`;

/**
 * GSTR-8 in the offline tool's JSON: `gstin` (the operator's), `fp`, `tcs` (Table 3: per supplier
 * `stin`, `grsval` gross value of supplies, `retsup` value of supplies returned, `amt` net amount
 * liable for TCS, `iamt`/`camt`/`samt` IGST/CGST/SGST) and `tcsa` (Table 4, amendments: the same
 * per supplier with `omon`, the month of the original supplies, MMYYYY).
 */
export function gstr8OfflineJson(report: ReturnReport, platformGstin: string): string {
  const f = report.figures as { rows: Gstr8RowFigures[]; amendments: Gstr8RowFigures[] };
  const row = (r: Gstr8RowFigures) => ({
    stin: r.supplierGstin,
    grsval: rupees(r.grossSuppliesPaise),
    retsup: rupees(r.returnsPaise),
    amt: rupees(r.netPaise),
    iamt: rupees(r.igstPaise),
    camt: rupees(r.cgstPaise),
    samt: rupees(r.sgstPaise),
  });
  return JSON.stringify({
    gstin: platformGstin,
    fp: fp(report.period),
    tcs: f.rows.map(row),
    tcsa: f.amendments.map((r) => ({ omon: fp(r.originalPeriod!), ...row(r) })),
  });
}

export const GSTR8_CSV_COLUMNS = [
  'table',
  'original_period',
  'supplier_gstin',
  'supplier_name',
  'gross_supplies_paise',
  'returns_paise',
  'net_paise',
  'igst_paise',
  'cgst_paise',
  'sgst_paise',
  'tcs_paise',
] as const;

async function* gstr8Records(report: ReturnReport): AsyncGenerator<CsvCell[]> {
  const f = report.figures as { rows: Gstr8RowFigures[]; amendments: Gstr8RowFigures[] };
  for (const [table, rows] of [
    ['tcs', f.rows],
    ['tcsa', f.amendments],
  ] as const) {
    for (const r of rows) {
      yield [
        table,
        r.originalPeriod ?? null,
        r.supplierGstin,
        r.supplierName,
        r.grossSuppliesPaise,
        r.returnsPaise,
        r.netPaise,
        r.igstPaise,
        r.cgstPaise,
        r.sgstPaise,
        r.tcsPaise,
      ];
    }
  }
}

export function gstr8Csv(report: ReturnReport): AsyncGenerator<string> {
  return csvChunks(GSTR8_CSV_COLUMNS, gstr8Records(report));
}

/** Form 26Q's deductee records (section 194-O), one per credit or return. */
export const TDS_26Q_CSV_COLUMNS = [
  'section',
  'deductee_pan',
  'deductee_name',
  'deductee_kind',
  'entry',
  'reference',
  'date_of_credit',
  'amount_credited_paise',
  'tds_paise',
  'rate_percent',
  'remark',
] as const;

async function* tdsRecords(report: ReturnReport): AsyncGenerator<CsvCell[]> {
  const deductees = report.figures.deductees as NonNullable<DeducteeStatement['deductee']>[];
  for (const d of deductees) {
    for (const c of d.credits) {
      yield [
        '194-O',
        d.pan,
        d.name,
        d.supplierKind,
        c.kind,
        c.reference,
        c.date,
        c.grossPaise,
        c.tdsPaise,
        c.ratePercent,
        // 26Q remark C: deducted at the higher rate for want of a PAN.
        d.higherRate ? 'C' : null,
      ];
    }
  }
}

export function tds26qCsv(report: ReturnReport): AsyncGenerator<string> {
  return csvChunks(TDS_26Q_CSV_COLUMNS, tdsRecords(report));
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A deductee's quarterly TDS statement (the figures of Form 16A) as a page to print or save. */
export function deducteeStatementHtml(s: DeducteeStatement, deductor: string): string {
  const d = s.deductee;
  const rows = (d?.credits ?? [])
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.date)}</td><td>${c.kind === 'credit' ? 'Amount credited' : 'Return'}</td>` +
        `<td>${escapeHtml(c.reference)}</td><td class="n">${formatRupees(BigInt(c.grossPaise))}</td>` +
        `<td class="n">${escapeHtml(c.ratePercent ?? '')}</td><td class="n">${formatRupees(BigInt(c.tdsPaise))}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TDS statement ${escapeHtml(s.period)}</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px}.n{text-align:right}</style>
</head><body>
<h1>Statement of tax deducted at source — section 194-O</h1>
<p>Quarter ${escapeHtml(s.period)} (${s.status === 'closed' ? 'closed' : 'open: figures may still change'})</p>
<p>Deductor: FixBazaar (e-commerce operator), GSTIN ${escapeHtml(deductor)}</p>
<p>Deductee: ${escapeHtml(d?.name ?? '')} — PAN ${escapeHtml(d?.pan ?? '')}${d?.higherRate ? ' (deducted at the higher rate: no PAN furnished)' : ''}</p>
<table><thead><tr><th>Date</th><th>Entry</th><th>Reference</th><th>Amount (₹)</th><th>Rate (%)</th><th>TDS (₹)</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th colspan="3">Total</th><th class="n">${formatRupees(BigInt(d?.grossCreditedPaise ?? 0))}</th><th></th><th class="n">${formatRupees(BigInt(d?.tdsPaise ?? 0))}</th></tr></tfoot>
</table>
<p>Form 16A itself is downloaded from the income-tax department's TRACES portal.</p>
</body></html>
`;
}

export const GSTR1_CSV_COLUMNS = [
  'table',
  'recipient_gstin',
  'recipient_name',
  'note_number',
  'note_date',
  'invoice_number',
  'invoice_date',
  'place_of_supply',
  'supply',
  'rate_percent',
  'invoices',
  'credit_notes',
  'taxable_value_paise',
  'igst_paise',
  'cgst_paise',
  'sgst_paise',
  'total_paise',
] as const;

interface Gstr1Figures {
  b2b: Record<string, string | number>[];
  cdnr: Record<string, string | number>[];
  b2cs: Record<string, string | number>[];
}

/** Column → figure key (camelCase), for the rows that have it; others are empty. */
const GSTR1_KEYS: Record<(typeof GSTR1_CSV_COLUMNS)[number], string> = Object.fromEntries(
  GSTR1_CSV_COLUMNS.map((c) => [c, c.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase())]),
) as Record<(typeof GSTR1_CSV_COLUMNS)[number], string>;

/**
 * One row per B2B invoice (`b2b`), per credit note to a registered recipient (`cdnr`: amounts as
 * on the note, a reduction) and per B2CS supply type and rate (`b2cs`: net of its credit notes).
 */
async function* gstr1Records(report: ReturnReport): AsyncGenerator<CsvCell[]> {
  const f = report.figures as unknown as Gstr1Figures;
  for (const [table, rows] of [
    ['b2b', f.b2b],
    ['cdnr', f.cdnr],
    ['b2cs', f.b2cs],
  ] as const) {
    for (const r of rows) {
      const row: Record<string, string | number> = {
        ...r,
        table,
        ...(table === 'b2b' ? { invoices: 1 } : {}),
        ...(table === 'cdnr' ? { creditNotes: 1 } : {}),
      };
      yield GSTR1_CSV_COLUMNS.map((c) => row[GSTR1_KEYS[c]] ?? null);
    }
  }
}

export function gstr1Csv(report: ReturnReport): AsyncGenerator<string> {
  return csvChunks(GSTR1_CSV_COLUMNS, gstr1Records(report));
}
