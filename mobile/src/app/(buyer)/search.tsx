export { default } from '../../screens/Search';
