export { default } from '../screens/Checkout';
