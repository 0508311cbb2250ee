/**
 * The governance API's plug-in surface: what a protocol uses to add its own operations
 * (routes with schemas, audited and published in /governance/v1/openapi.json like the
 * rest) and its own `intertrade` commands. Protocols import governance only from here.
 */
export { operation } from './operation';
export type { GovernanceDeps, Operation, OperationRequest, Reply } from './operation';
export { schema } from './schemas/schema';
export type { JsonSchema, Schema } from './schemas/schema';
export { AccountCode, Amount, CommunityCode, PositiveAmount, Rate, Timestamp } from './schemas/common';
export { SetStatus } from './schemas/communities';
export { requireAccount, requireCommunity, requireParty } from './lookup';
export { accountFailure, communityFailure, creditLineFailure, transferFailure } from './errors';
export { HttpError } from '../http/errors';
export { ApiFailure, Usage, command, parse, parseRate, rateText, table } from './cli-kit';
export type { Api, CliCommand, CliCommands, CliContext, CliIo } from './cli-kit';
