export { applicationWorkflow } from './application';
export { recoveryWorkflow } from './recovery';
export { roundWorkflow } from './round';
export { ledgerWorkflow } from './ledger';
export { projectWorkflow } from './project';
export { entitlementWorkflow } from './entitlement';
