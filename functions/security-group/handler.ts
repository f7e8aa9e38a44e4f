import { createAwsEngine, createLambdaHandler } from '../adapters/lambda-handler.js';
import { remediateSecurityGroup } from '../pipeline/security-group.js';

/** Reverts world-open ingress from AuthorizeSecurityGroupIngress and ModifySecurityGroupRules events. */
export const handler = createLambdaHandler('security-group', createAwsEngine({ 'sg-ingress': remediateSecurityGroup }, 'security-group'));
