import { createAwsEngine, createLambdaHandler } from '../adapters/lambda-handler.js';
import { ROUTE_TABLE_REMEDIATORS } from '../pipeline/route-table.js';

/** Reverts forbidden routes of isolated subnets and their moves onto tables with one (CreateRoute, ReplaceRoute, AssociateRouteTable, ReplaceRouteTableAssociation, DisassociateRouteTable). */
export const handler = createLambdaHandler(
  'route-table',
  createAwsEngine(ROUTE_TABLE_REMEDIATORS, 'route-table'),
);
