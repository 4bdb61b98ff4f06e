export { default } from '../../screens/TechnicianWork';
