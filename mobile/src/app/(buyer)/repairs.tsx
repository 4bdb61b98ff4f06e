export { default } from '../../screens/Repairs';
