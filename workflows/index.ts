export { applicationWorkflow } from './application';
export { recoveryWorkflow } from './recovery';
