export { default } from '../../screens/DisputeDetail';
