export { default } from '../../screens/DealerListing';
