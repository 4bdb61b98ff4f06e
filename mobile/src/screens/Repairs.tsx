import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { Pressable } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { QueryView } from '../components/states';
import { Body, Button, Card, Row, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';

/** Repairs as a list of cards, each opening `${base}/{id}` (the customer's or the technician's). */
export function RepairList({ jobs, base }: { jobs: Schemas['RepairJobDto'][]; base: string }) {
  const { t, i18n } = useTranslation();
  const router = useRouter();
  return jobs.map((job) => {
    const label = t('repairs.repair', { brand: job.deviceBrand, model: job.deviceModel });
    return (
      <Pressable
        key={job.id}
        role="link"
        accessibilityLabel={label}
        onPress={() => router.push(`${base}/${job.id}`)}
      >
        <Card>
          <Title>{label}</Title>
          <Row>
            <Body>{t(`repairs.status.${job.status}`)}</Body>
            <Body tone="muted">{formatInstant(job.createdAt, i18n.language)}</Body>
          </Row>
        </Card>
      </Pressable>
    );
  });
}

/** The customer's repairs, newest first, and booking a new one. */
export default function Repairs() {
  const { t } = useTranslation();
  const router = useRouter();
  const repairs = useQuery({ queryKey: ['repairs'], queryFn: () => data(api.GET('/repairs')) });
  return (
    <Screen>
      <Button label={t('repairs.book')} onPress={() => router.push('/book-repair')} />
      <QueryView query={repairs} isEmpty={(p) => p.items.length === 0} empty={t('repairs.empty')}>
        {(page) => <RepairList jobs={page.items} base="/repair" />}
      </QueryView>
    </Screen>
  );
}
