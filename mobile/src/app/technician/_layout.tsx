import { AreaTabs } from '../../components/area-tabs';

export default function TechnicianLayout() {
  return (
    <AreaTabs
      area="technician"
      tabs={[
        { name: 'work', title: 'tabs.work' },
        { name: 'jobs', title: 'tabs.jobs' },
        { name: 'earnings', title: 'tabs.earnings' },
        { name: 'account', title: 'tabs.account' },
      ]}
    />
  );
}
