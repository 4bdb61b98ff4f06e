export { default } from '../../../screens/ChatRoom';
