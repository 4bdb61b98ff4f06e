import { AreaTabs } from '../../components/area-tabs';

export default function BuyerLayout() {
  return (
    <AreaTabs
      area="buyer"
      tabs={[
        { name: 'search', title: 'tabs.search' },
        { name: 'cart', title: 'tabs.cart' },
        { name: 'orders', title: 'tabs.orders' },
        { name: 'repairs', title: 'tabs.repairs' },
        { name: 'account', title: 'tabs.account' },
      ]}
    />
  );
}
