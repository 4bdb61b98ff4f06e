export { default } from '../../screens/ListingDetail';
