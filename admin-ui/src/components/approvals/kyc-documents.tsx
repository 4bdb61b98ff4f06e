'use client';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useQuery } from '@tanstack/react-query';
import { api, data } from '../../api/client';
import type { components } from '../../api/schema';
import { formatIstDateTime } from '../../lib/dates';
import { AuthedMedia } from '../authed-media';
import { Empty, QueryState } from '../states';

export type KycDocument = components['schemas']['KycDocumentDto'];

const KIND_LABELS: Record<KycDocument['kind'], string> = {
  gst_certificate: 'GST certificate',
  pan_card: 'PAN card',
  shop_photo: 'Shop photo',
};

/** An applicant's current KYC documents (the replaced ones are not shown), each image inline. */
export function KycDocumentsView({ documents }: { documents: KycDocument[] }) {
  const current = documents.filter((d) => d.supersededAt === null);
  if (current.length === 0) return <Empty>No KYC documents uploaded yet.</Empty>;
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2 }}>
      {current.map((d) => (
        <AuthedMedia
          key={d.id}
          path={d.url}
          contentType={d.contentType}
          caption={`${KIND_LABELS[d.kind]}, uploaded ${formatIstDateTime(d.uploadedAt)}`}
          width={280}
        />
      ))}
    </Box>
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
      <Typography variant="subtitle1" component="h2" sx={{ mb: 1 }}>
        KYC documents of {name}
      </Typography>
      <QueryState query={documents} label="Loading the KYC documents">
        {(docs) => <KycDocumentsView documents={docs} />}
      </QueryState>
    </Box>
  );
}
