export { default } from '../../screens/DealerOrders';
