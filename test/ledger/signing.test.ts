/**
 * The submission engine signs with Node's Ed25519: the envelope must be byte for byte
 * the one stellar-base's own signing gives (Ed25519 is deterministic), for the inner
 * transaction and for the fee bump, whatever the number of signers.
 */
import assert from 'node:assert/strict';
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { signTransaction } from '../../src/ledger/stellar/signing';

describe('transaction signing with node:crypto', () => {
  const channel = Keypair.random();
  const admin = Keypair.random();
  const sponsor = Keypair.random();
  const build = () => new TransactionBuilder(new Account(channel.publicKey(), '41'), { fee: '100', networkPassphrase: Networks.TESTNET })
    .addOperation(Operation.payment({ source: admin.publicKey(), destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1.5' }))
    .setTimeout(60).build();

  it('gives the signatures Keypair.sign gives, inner and fee bump', () => {
    const theirs = build();
    const ours = TransactionBuilder.fromXDR(theirs.toXDR(), Networks.TESTNET) as typeof theirs;
    theirs.sign(channel, admin);
    signTransaction(ours, channel, admin);
    assert.equal(ours.signatures.length, 2);
    assert.equal(ours.toXDR(), theirs.toXDR());
    const bumpTheirs = TransactionBuilder.buildFeeBumpTransaction(sponsor, '201', theirs, Networks.TESTNET);
    const bumpOurs = TransactionBuilder.buildFeeBumpTransaction(sponsor, '201', ours, Networks.TESTNET);
    bumpTheirs.sign(sponsor);
    signTransaction(bumpOurs, sponsor);
    assert.equal(bumpOurs.toXDR(), bumpTheirs.toXDR());
    assert.ok(sponsor.verify(bumpOurs.hash(), bumpOurs.signatures[0].signature()));
  });

  it('signs with the key it is given, not a cached one of another keypair', () => {
    const a = build();
    const b = TransactionBuilder.fromXDR(a.toXDR(), Networks.TESTNET) as typeof a;
    signTransaction(a, channel);
    signTransaction(b, admin);
    assert.ok(channel.verify(a.hash(), a.signatures[0].signature()));
    assert.ok(admin.verify(b.hash(), b.signatures[0].signature()));
    assert.ok(!channel.verify(b.hash(), b.signatures[0].signature()));
  });
});
