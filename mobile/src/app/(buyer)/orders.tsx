export { default } from '../../screens/Orders';
