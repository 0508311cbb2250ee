/**
 * A small demo network for a newcomer: three communities with different rates, credit
 * lines between them, two members each, and a few payments that cross, one of them
 * rippling through a third community. Seeded only into a hub with no communities.
 */
import { Core } from './core';
import { formatAmount, parseAmount } from './core/amounts';
import { isAccountError } from './core/accounts/errors';
import { isCommunityError } from './core/communities/errors';
import { Community } from './core/communities/model';
import { isCreditLineError } from './core/credit-lines/errors';
import { Party } from './core/transfers/service';
import { isTransferError } from './core/transfers/errors';

const DEMO = [
  { code: 'GRN1', name: 'Green Valley Time Bank', rate: { n: 1, d: 1 } },   // 1 GRN = 1 HOUR
  { code: 'BLU1', name: 'Blue Coast LETS', rate: { n: 1, d: 10 } },        // 10 BLU = 1 HOUR
  { code: 'RED1', name: 'Red Hills Exchange', rate: { n: 1, d: 5 } },      // 5 RED = 1 HOUR
];

/** [truster, peer, limit in the truster's units] */
const LINES: Array<[string, string, string]> = [
  ['BLU1', 'GRN1', '500'], // Blue accepts up to 500 BLU (50 HOUR) of Green's HOUR
  ['GRN1', 'BLU1', '50'],
  ['RED1', 'BLU1', '250'], // Red trusts Blue only: Green reaches Red through Blue
];

export async function seedDemo(core: Core, log: (line: string) => void): Promise<boolean> {
  if ((await core.communities.list()).length > 0) return false;
  const communities = new Map<string, Community>();
  const members = new Map<string, Party[]>();
  for (const d of DEMO) {
    const c = await core.communities.create({ code: d.code, name: d.name, kind: 'hosted', rate: d.rate }, 'demo');
    if (isCommunityError(c)) throw new Error(`demo: ${c}`);
    communities.set(d.code, c);
    const parties: Party[] = [];
    for (let i = 0; i < 2; i++) {
      const a = await core.accounts.create(c, { creditLimit: '100', maxBalance: '1000' }, 'demo');
      if (isAccountError(a)) throw new Error(`demo: ${a}`);
      parties.push({ community: c, account: a });
    }
    members.set(d.code, parties);
    log(`  community ${d.code} "${d.name}" (1 ${d.code} = ${d.rate.n}/${d.rate.d} HOUR), members ${parties.map((p) => p.account.code).join(', ')}`);
  }
  for (const [t, p, limit] of LINES) {
    const r = await core.creditLines.set(communities.get(t)!, communities.get(p)!, limit, 'demo');
    if (isCreditLineError(r)) throw new Error(`demo: ${r}`);
    log(`  credit line: ${t} accepts up to ${limit} ${t} of ${p}'s HOUR`);
  }
  const pay = async (from: Party, to: Party, amount: string, what: string) => {
    const t = await core.transfers.settle({
      idempotencyKey: `demo|${from.account.code}|${to.account.code}|${amount}`,
      payer: from, payee: to, amount: parseAmount(amount) as bigint, meta: what,
    });
    if (isTransferError(t)) throw new Error(`demo: ${t}`);
    log(`  ${from.account.code} paid ${to.account.code} ${amount} ${to.community.code} (${formatAmount(t.sourceAmount ?? 0n)} ${from.community.code}): ${t.state}${t.errorCode ? ` (${t.errorCode})` : ''} — ${what}`);
  };
  const [g1] = members.get('GRN1')!;
  const [b1, b2] = members.get('BLU1')!;
  const [r1] = members.get('RED1')!;
  await pay(g1, b1, '20', 'bread for the market day');
  await pay(b2, g1, '1', 'an hour of gardening');
  await pay(g1, r1, '5', 'bike repair, through Blue Coast');
  await core.rebalancer.idle();
  return true;
}
