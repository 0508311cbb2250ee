import { isOneOf } from '../errors';

export enum AccountError {
  UnknownCommunity = 'unknown_community',
  UnknownAccount = 'unknown_account',
  InvalidCode = 'invalid_code',
  DuplicateCode = 'duplicate_code',
  InvalidCreditLimit = 'invalid_credit_limit',
  InvalidMaxBalance = 'invalid_max_balance',
  InsufficientBalance = 'insufficient_balance',
}

export const isAccountError = isOneOf(AccountError);

export const accountErrorInfo: Record<AccountError, { field: string; message: string }> = {
  [AccountError.UnknownCommunity]: { field: 'community', message: 'no community with this code' },
  [AccountError.UnknownAccount]: { field: 'account', message: 'no account with this code in the community' },
  [AccountError.InvalidCode]: { field: 'code', message: 'code must be 1 to 32 characters, A–Z, 0–9, "-" or "_"' },
  [AccountError.DuplicateCode]: { field: 'code', message: 'an account with this code already exists in the community' },
  [AccountError.InvalidCreditLimit]: { field: 'creditLimit', message: 'creditLimit must be a non-negative amount with at most 7 decimals' },
  [AccountError.InvalidMaxBalance]: { field: 'maxBalance', message: 'maxBalance must be a non-negative amount with at most 7 decimals' },
  [AccountError.InsufficientBalance]: { field: 'creditLimit', message: 'the account holds less than the credit to take back' },
};
