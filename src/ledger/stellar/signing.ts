/**
 * Transaction signatures made with Node's own Ed25519 (OpenSSL) instead of
 * stellar-base's pure-JavaScript one. A payment to a peer server travels alone in its
 * transaction, so every such payment costs three signatures (channel, admin, fee-bump
 * sponsor); in JavaScript they were a tenth of a hub's CPU. Ed25519 signatures are
 * deterministic (RFC 8032): the bytes are exactly those Keypair.sign would give.
 */
import { KeyObject, createPrivateKey, sign } from 'node:crypto';
import { FeeBumpTransaction, Keypair, Transaction, xdr } from '@stellar/stellar-sdk';

const privateKeys = new WeakMap<Keypair, KeyObject>();

function privateKeyOf(kp: Keypair): KeyObject {
  let key = privateKeys.get(kp);
  if (!key) {
    key = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: kp.rawPublicKey().toString('base64url'), d: kp.rawSecretKey().toString('base64url') },
      format: 'jwk',
    });
    privateKeys.set(kp, key);
  }
  return key;
}

/** Add each keypair's signature of the transaction's hash, as tx.sign(...keypairs) does; the hash. */
export function signTransaction(tx: Transaction | FeeBumpTransaction, ...keypairs: Keypair[]): Buffer {
  const hash = tx.hash();
  for (const kp of keypairs) {
    tx.signatures.push(new xdr.DecoratedSignature({ hint: kp.signatureHint(), signature: sign(null, hash, privateKeyOf(kp)) }));
  }
  return hash;
}
