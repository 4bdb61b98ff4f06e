export { default } from '../../screens/Account';
