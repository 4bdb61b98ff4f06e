import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, data } from '../api/client';
import { QueryView } from '../components/states';
import { Screen } from '../components/ui';
import { RepairList } from './Repairs';

/** The repairs assigned to the technician, newest first. */
export default function TechnicianJobs() {
  const { t } = useTranslation();
  const jobs = useQuery({
    queryKey: ['technician', 'jobs'],
    queryFn: () => data(api.GET('/technician/repairs')),
  });
  return (
    <Screen>
      <QueryView
        query={jobs}
        isEmpty={(p) => p.items.length === 0}
        empty={t('technician.jobsEmpty')}
      >
        {(page) => <RepairList jobs={page.items} base="/technician-job" />}
      </QueryView>
    </Screen>
  );
}
