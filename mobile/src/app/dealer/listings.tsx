export { default } from '../../screens/DealerListings';
