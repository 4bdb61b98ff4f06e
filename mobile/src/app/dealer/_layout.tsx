import { AreaTabs } from '../../components/area-tabs';

export default function DealerLayout() {
  return (
    <AreaTabs
      area="dealer"
      tabs={[
        { name: 'listings', title: 'tabs.listings' },
        { name: 'sales', title: 'tabs.sales' },
        { name: 'escrow', title: 'tabs.escrow' },
        { name: 'account', title: 'tabs.account' },
      ]}
    />
  );
}
