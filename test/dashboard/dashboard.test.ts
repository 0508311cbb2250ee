/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * a hub on the demo network, signed in as the operator and as one community's governing
 * body. Screenshots of every view land in test-output/screenshots/ (gitignored) to look at.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { seedDemo } from '../../src/demo';
import { DASHBOARD_CSP } from '../../src/dashboard/routes';
import { TestHub, startGovernanceHub, token } from '../governance/api';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-output/screenshots');

describe('the web dashboard (/dashboard) in headless Chromium', function () {
  this.timeout(120000);
  const OPS = token();
  let h: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let greenToken = '';
  const problems: string[] = [];

  const shot = async (name: string, p: Page = page) => {
    await p.waitForTimeout(300);
    await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const open = async (hash: string, p: Page = page) => {
    await p.goto(`${h.hub.url}/dashboard${hash}`);
    await p.waitForSelector(`main[data-ready=${JSON.stringify(hash)}]`);
  };
  const signIn = async (p: Page, t: string) => {
    await p.goto(`${h.hub.url}/dashboard`);
    await p.fill('#token', t);
    await p.click('button[type=submit]');
    await p.waitForSelector('#who button');
  };
  /** The trustline limit (HOUR) of `truster`'s external trader to `peer`'s HOUR, read from the devnet's Horizon. */
  const trustline = async (truster: string, peer: string) => {
    const c = async (code: string) => (await h.call('GET', `/communities/${code}`)).body.ledgerAccounts as Record<string, string>;
    const [t, p] = [await c(truster), await c(peer)];
    const account = await (await fetch(`${h.hub.network.horizonUrl}/accounts/${t.externalTrader}`)).json() as { balances: Array<{ asset_code?: string; asset_issuer?: string; limit?: string }> };
    return account.balances.find((b) => b.asset_issuer === p.externalIssuer)?.limit;
  };

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
    fs.mkdirSync(SHOTS, { recursive: true });
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `ops:${OPS}` }, OPS);
    await seedDemo(h.hub, () => {});
    greenToken = (await h.call('POST', '/tokens', { body: { actor: 'green-board', role: 'community', communities: ['GRN1'] } })).body.token;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => { if (r.status() === 404) problems.push(`404 ${r.url()}`); });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('is served by the hub with a strict Content-Security-Policy, its assets bundled from npm packages (no CDN)', async () => {
    const r = await fetch(`${h.hub.url}/dashboard`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-security-policy'), DASHBOARD_CSP);
    assert.match(DASHBOARD_CSP, /script-src 'self'; style-src 'self'/);
    const html = await r.text();
    assert.ok(!/https?:\/\//.test(html.replace(/<!doctype[^>]*>/i, '')), 'the page loads nothing from elsewhere');
    const js = await fetch(`${h.hub.url}/dashboard/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await js.text()).length > 100000, 'Cytoscape.js and uPlot are in the bundle');
  });

  it('refuses a wrong token in words, then signs in with the operator\'s and draws the network graph', async () => {
    await page.goto(`${h.hub.url}/dashboard`);
    await page.fill('#token', 'x'.repeat(40));
    await page.click('button[type=submit]');
    const error = await page.waitForSelector('.signin .error');
    assert.match(await error.textContent() ?? '', /not one of this hub's governance tokens/);
    await shot('01-sign-in-refused');
    await page.fill('#token', OPS);
    await page.click('button[type=submit]');
    await page.waitForSelector('#graph canvas');
    await page.waitForSelector('main .loading', { state: 'detached' });
    assert.match(await page.textContent('#who') ?? '', /ops — hub operator/);
    const rows = await page.locator('main section:nth-of-type(2) tbody tr').allTextContents();
    assert.equal(rows.length, 3, rows.join('\n'));
    assert.ok(rows.some((r) => r.startsWith('BLU1GRN1')));
    assert.deepEqual(await page.locator('main section:nth-of-type(3) tbody tr td:first-child').allTextContents(), ['BLU1', 'GRN1', 'RED1']);
    assert.equal(await page.evaluate('sessionStorage.getItem("intertrade.token") !== null'), true, 'the token is kept in the tab');
    await shot('02-network');
  });

  it('changes a credit line in place, confirming the ledger change, and the trustline on the devnet follows', async () => {
    assert.equal(await trustline('BLU1', 'GRN1'), '50.0000000', 'demo: BLU1 accepts 500 BLU1 = 50 HOUR');
    await open('#/community/BLU1');
    await shot('03-community');
    await page.click('button[aria-label="Change the line BLU1 grants GRN1"]');
    await page.fill('input[aria-label="New limit in BLU1"]', '600');
    await page.click('form.inline button[type=submit]');
    const dialog = await page.waitForSelector('dialog[open]');
    const text = await dialog.textContent() ?? '';
    assert.match(text, /BLU1 will accept up to 600 BLU1 of GRN1's HOUR/);
    assert.match(text, /from 50 to 60 HOUR/);
    await shot('04-community-confirm');
    await page.click('#confirm-ok');
    await page.waitForSelector('#status.ok');
    assert.match(await page.textContent('#status') ?? '', /BLU1 now accepts up to 600 BLU1 of GRN1's HOUR; the ledger holds 60 HOUR/);
    assert.equal(await trustline('BLU1', 'GRN1'), '60.0000000');
    // Refused in words, and nothing changes: below what is in use.
    await open('#/community/GRN1');
    await page.click('button[aria-label="Change the line GRN1 grants BLU1"]');
    await page.fill('input[aria-label="New limit in GRN1"]', '0.5');
    await page.click('form.inline button[type=submit]');
    await page.waitForSelector('dialog[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('#status.error');
    assert.match(await page.textContent('#status') ?? '', /The line was not changed: .*outstanding/);
    await shot('05-community-refused');
    // A member's limits, changed in place too.
    await page.click('button[aria-label="Change the limits of GRN10002"]');
    await page.fill('input[aria-label="Credit limit of GRN10002 in GRN1"]', '150');
    await page.click('form.member-limits button[type=submit]');
    assert.match(await (await page.waitForSelector('dialog[open]')).textContent() ?? '', /GRN10002 may go into debt down to −150 GRN1 \(now −100\)/);
    await page.click('#confirm-ok');
    await page.waitForSelector('#status.ok');
    assert.equal((await h.call('GET', '/communities/GRN1/accounts/GRN10002')).body.creditLimit, '150.0000000');
  });

  it('shows a governing body its own community only: another is refused in words, and it offers no change it may not make', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const green = await other.newPage();
    try {
      await signIn(green, greenToken);
      await green.waitForSelector('#graph canvas');
      await green.waitForSelector('main .loading', { state: 'detached' });
      assert.match(await green.textContent('#who') ?? '', /green-board — governing body of GRN1/);
      assert.deepEqual(await green.locator('main section:nth-of-type(3) tbody tr td:first-child').allTextContents(), ['GRN1']);
      await shot('06-green-network', green);
      await open('#/community/BLU1', green);
      assert.match(await green.textContent('main .error') ?? '', /Your token may not see this view: green-board \(community of GRN1\) lacks read on community BLU1/);
      await shot('07-green-refused', green);
      await open('#/community/GRN1', green);
      assert.ok(await green.$('button[aria-label="Change the line GRN1 grants BLU1"]'), 'it may change the lines GRN1 grants');
      // The line BLU1 grants GRN1 is shown, never offered for change.
      const incoming = await green.textContent('main section:nth-of-type(3)') ?? '';
      assert.match(incoming, /BLU1600 BLU1/);
      assert.equal(await green.$('button[aria-label^="Change the line BLU1"]'), null);
      await open('#/exchanges', green);
      assert.match(await green.textContent('main') ?? '', /the hub operator's to see/);
    } finally {
      await other.close();
    }
  });

  it('lists transfers with filters, a transfer\'s deliveries and its Stellar transaction', async () => {
    await open('#/transfers');
    await page.selectOption('select[name=community]', 'BLU1');
    await page.click('.filters button[type=submit]');
    await page.waitForSelector('#transfer-results tbody tr td:nth-child(2)');
    const states = await page.locator('#transfer-results tbody tr td:nth-child(2)').allTextContents();
    assert.ok(states.length >= 2, states.join());
    await page.click('#transfer-results tbody tr:first-child button');
    const hash = await page.textContent('#transfer-detail .hash');
    assert.match(hash ?? '', /^[0-9a-f]{64}$/);
    await shot('08-transfers');
    await page.selectOption('select[name=state]', 'rejected');
    await page.click('.filters button[type=submit]');
    await page.waitForSelector('#transfer-results td.empty, #transfer-results .state.rejected');
  });

  it('exports a report (volume over time, CSV) and draws the charts', async () => {
    await open('#/charts');
    await page.waitForSelector('.chart canvas');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export volume (CSV)')]);
    assert.equal(download.suggestedFilename(), 'intertrade-volume.csv');
    const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'bucket_start,transfers,amount_hour');
    const total = csv.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0);
    assert.ok(total >= 3, csv.join('\n'));
    await shot('09-charts');
  });

  it('shows netting, exchanges and peers, health and the audit log, and the network at phone width', async () => {
    for (const code of ['GRN1', 'BLU1', 'RED1']) assert.equal((await h.call('PUT', `/communities/${code}/netting`, { body: { optedIn: true } })).status, 200);
    await open('#/netting');
    assert.match(await page.textContent('main') ?? '', /A run would clear 2 of 5 HOUR of positions \(40 %\)/);
    await page.click('text=Run netting now…');
    await page.waitForSelector('dialog[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('#status.ok');
    assert.match(await page.textContent('#status') ?? '', /Netting run done: 2 HOUR cleared/);
    await page.waitForSelector('.chart canvas');
    assert.match(await page.textContent('main') ?? '', /1 run(?!s)When/);
    await shot('10-netting');
    await open('#/exchanges');
    assert.match(await page.textContent('main') ?? '', /CXP exchanges/);
    await shot('11-exchanges');
    await open('#/health');
    assert.match(await page.textContent('main') ?? '', /The hub is ready/);
    await shot('12-health');
    await open('#/audit');
    const audit = await page.textContent('main') ?? '';
    assert.match(audit, /credit-line\.set/);
    assert.match(audit, /credit-line:BLU1→GRN1/);
    await shot('13-audit');
    await page.setViewportSize({ width: 390, height: 844 });
    await open('#/network');
    await page.waitForSelector('#graph canvas');
    await shot('14-network-phone');
    await open('#/community/BLU1');
    await shot('15-community-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('is keyboard-navigable: the views are links in order, the confirmation takes Escape and changes nothing', async () => {
    await open('#/community/BLU1');
    await page.focus('button[aria-label="Change the line BLU1 grants GRN1"]');
    await page.keyboard.press('Enter');
    await page.keyboard.type('9');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#status');
    assert.match(await page.textContent('#status') ?? '', /Nothing changed/);
    assert.equal(await trustline('BLU1', 'GRN1'), '60.0000000');
    assert.deepEqual(await page.locator('#nav a').allTextContents(), ['Network', 'Transfers', 'Charts', 'Netting', 'Exchanges & peers', 'Health', 'Audit']);
  });

  it('ran without a script error or a Content-Security-Policy violation', () => {
    // The refusals the tests asked for (a wrong token, a line below its use, another community) are answered, not errors of the page.
    assert.deepEqual(problems.filter((p) => !/status of (401|403|422)/.test(p)), []);
  });
});
