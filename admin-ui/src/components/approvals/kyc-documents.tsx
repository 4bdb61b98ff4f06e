'use client';
import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, data } from '../../api/client';
import type { components } from '../../api/schema';
import { formatIstDateTime } from '../../lib/dates';
import { downloadApiFile } from '../../lib/download';
import { AuthedMedia } from '../authed-media';
import { Empty, ProblemAlert, QueryState } from '../states';

export type KycDocument = components['schemas']['KycDocumentDto'];

const KIND_LABELS: Record<KycDocument['kind'], string> = {
  gst_certificate: 'GST certificate',
  pan_card: 'PAN card',
  shop_photo: 'Shop photo',
};

const kilobytes = (bytes: number) => `${Math.max(1, Math.round(bytes / 1024))} KB`;

/**
 * A PDF: never shown in the console's page, only saved (the API serves it as an attachment), through
 * the session like any API file.
 */
function PdfDownload({ document: d, caption }: { document: KycDocument; caption: string }) {
  const download = useMutation({
    mutationFn: () => downloadApiFile(d.url.slice(1), `${d.kind}-${d.id}.pdf`, () => undefined),
  });
  return (
    <Box component="figure" sx={{ m: 0, width: 280 }}>
      <Button
        variant="outlined"
        onClick={() => download.mutate()}
        disabled={download.isPending}
        // The visible text first, then which document (axe: the label contains what is shown).
        aria-label={`Download PDF (${kilobytes(d.byteSize)}): ${caption}`}
      >
        Download PDF ({kilobytes(d.byteSize)})
      </Button>
      {download.error && <ProblemAlert error={download.error} />}
      <Typography component="figcaption" variant="caption" sx={{ display: 'block', mt: 1 }}>
        {caption}
      </Typography>
    </Box>
  );
}

/** One document: an image inline, a PDF as a download. */
function DocumentView({ document: d, caption }: { document: KycDocument; caption: string }) {
  return d.contentType === 'application/pdf' ? (
    <PdfDownload document={d} caption={caption} />
  ) : (
    <AuthedMedia path={d.url} contentType={d.contentType} caption={caption} width={280} />
  );
}

/**
 * An applicant's KYC documents: the current ones (images inline, PDFs to download), then the ones
 * they replaced under a collapsed history (fetched only when opened), newest first.
 */
export function KycDocumentsView({ documents }: { documents: KycDocument[] }) {
  const current = documents.filter((d) => d.supersededAt === null);
  const replaced = documents
    .filter((d) => d.supersededAt !== null)
    .sort((a, b) => b.uploadedAt.localeCompare(a.uploadedAt));
  return (
    <>
      {current.length === 0 ? (
        <Empty>No KYC documents uploaded yet.</Empty>
      ) : (
        <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2 }}>
          {current.map((d) => (
            <DocumentView
              key={d.id}
              document={d}
              caption={`${KIND_LABELS[d.kind]}, uploaded ${formatIstDateTime(d.uploadedAt)}`}
            />
          ))}
        </Box>
      )}
      {replaced.length > 0 && (
        <Accordion sx={{ mt: 2 }} slotProps={{ transition: { unmountOnExit: true } }}>
          <AccordionSummary aria-controls="kyc-history" id="kyc-history-header">
            <Typography>Replaced documents ({replaced.length})</Typography>
          </AccordionSummary>
          <AccordionDetails id="kyc-history">
            <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2 }}>
              {replaced.map((d) => (
                <DocumentView
                  key={d.id}
                  document={d}
                  caption={`${KIND_LABELS[d.kind]}, uploaded ${formatIstDateTime(d.uploadedAt)}, replaced ${formatIstDateTime(d.supersededAt!)}`}
                />
              ))}
            </Box>
          </AccordionDetails>
        </Accordion>
      )}
    </>
  );
}

/** The KYC documents of the applicant `userId`, fetched for staff who read the approval queue. */
export function KycDocuments({ userId, name }: { userId: string; name: string }) {
  const documents = useQuery({
    queryKey: ['kyc-documents', userId],
    queryFn: () =>
      data(api.GET('/admin/approvals/{userId}/documents', { params: { path: { userId } } })),
  });
  return (
    <Box component="section" aria-label={`KYC documents of ${name}`} sx={{ mt: 3 }}>
      <Typography variant="subtitle1" component="h3" sx={{ mb: 1 }}>
        KYC documents
      </Typography>
      <QueryState query={documents} label="Loading the KYC documents">
        {(docs) => <KycDocumentsView documents={docs} />}
      </QueryState>
    </Box>
  );
}
