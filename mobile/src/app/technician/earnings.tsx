export { default } from '../../screens/Earnings';
