export { default } from '../../screens/DealerEscrow';
