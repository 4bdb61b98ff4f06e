export { default } from '../../screens/RepairDetail';
