export { default } from '../../screens/TechnicianJobs';
