import { createAwsEngine, createLambdaHandler } from '../adapters/lambda-handler.js';
import { remediateAssociation, remediateRoute } from '../pipeline/route-table.js';

/** Reverts forbidden routes of isolated subnets and their moves onto tables with one (CreateRoute, ReplaceRoute, AssociateRouteTable, ReplaceRouteTableAssociation). */
export const handler = createLambdaHandler(
  'route-table',
  createAwsEngine({ route: remediateRoute, association: remediateAssociation }, 'route-table'),
);
