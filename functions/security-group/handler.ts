import { createAwsEngine, createLambdaHandler } from '../adapters/lambda-handler.js';
import { SECURITY_GROUP_REMEDIATORS } from '../pipeline/security-group.js';

/**
 * Reverts world-open ingress from AuthorizeSecurityGroupIngress and ModifySecurityGroupRules events, and
 * entries of the internet added to a prefix list that guarded groups reference (ModifyManagedPrefixList).
 */
export const handler = createLambdaHandler('security-group', createAwsEngine(SECURITY_GROUP_REMEDIATORS, 'security-group'));
