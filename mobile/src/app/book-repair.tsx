export { default } from '../screens/BookRepair';
