import { createAwsEngine, createLambdaHandler } from '../adapters/lambda-handler.js';
import { remediateAssociation, remediateRoute } from '../pipeline/route-table.js';

/** Reverts internet routes and internet route-table associations of isolated subnets (CreateRoute, ReplaceRoute, AssociateRouteTable, ReplaceRouteTableAssociation). */
export const handler = createLambdaHandler(
  'route-table',
  createAwsEngine({ route: remediateRoute, association: remediateAssociation }),
);
