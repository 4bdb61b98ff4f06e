export { default } from '../screens/SignUp';
