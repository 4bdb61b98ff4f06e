import { AreaTabs } from '../../components/area-tabs';

export default function DealerLayout() {
  return (
    <AreaTabs
      area="dealer"
      tabs={[
        { name: 'listings', title: 'tabs.listings' },
        { name: 'sales', title: 'tabs.sales' },
        { name: 'account', title: 'tabs.account' },
      ]}
    />
  );
}
