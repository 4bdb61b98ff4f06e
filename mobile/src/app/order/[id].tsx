export { default } from '../../screens/OrderDetail';
