export { default } from '../../screens/Cart';
