export { default } from '../../screens/TechnicianJob';
