// Takes the README's screenshots of the pages a lab reads, from a real run, in headless Chromium (Debian package
// `chromium`): the Allure test page of a GlobalPlatform install test (procedure steps with expected and actual,
// and the APDU trace with the secure-channel commands decoded), the portability matrix of the five emulated
// variants, and a bench comparison page. Everything goes into a temporary folder; only the PNGs are written to
// docs/screenshots/. Run from the repo root:
//
//   npm run screenshots    (node --experimental-websocket --import tsx bench/screenshots.ts [--from DIR])
//
// Chromium is driven over its DevTools protocol (Node's WebSocket), because the Allure page is a single-page app:
// the test is opened by its hash route, and the steps and the trace attachment must be clicked open before the
// picture. The pages are served by a local http server on 127.0.0.1 (port 0). It takes some minutes: it runs two
// suites, a portability run and two short benches on the bundled simulator.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'docs', 'screenshots');
const simcert = join(root, 'harness', 'cli', 'simcert.js');
const VARIANTS = join(root, 'profiles', 'emulated', 'variants');
const MAX_BYTES = 400 * 1024;

function sh(args: string[]): Promise<number> {
  const p = spawn(process.execPath, [simcert, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return once(p, 'exit').then(([code]) => code as number);
}

/** Runs simcert; exit 1 (a test failed) is a result to show, not an error: the portability run has one finding. */
async function must(what: string, args: string[], accept: number[] = [0]): Promise<void> {
  process.stdout.write(`${what} ... `);
  const code = await sh(args);
  process.stdout.write(`exit ${code}\n`);
  if (!accept.includes(code)) throw new Error(`${what} failed (simcert ${args.join(' ')}: exit ${code})`);
}

/** Serves a folder on 127.0.0.1 (port 0): Allure's app loads its data with fetch, which file:// does not allow everywhere. */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    }, () => {
      res.writeHead(404);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A minimal DevTools-protocol client over one page target. */
class Page {
  private id = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (ev) => {
      const m = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    });
  }

  static async open(port: number): Promise<Page> {
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as { type: string; webSocketDebuggerUrl: string }[];
    const target = targets.find((t) => t.type === 'page');
    if (!target) throw new Error('Chromium opened no page');
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', () => reject(new Error('cannot reach Chromium over its DevTools port')));
    });
    const page = new Page(ws);
    await page.send('Page.enable');
    return page;
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  }

  /** Runs `expression` in the page (awaiting a promise it returns) and gives back its JSON value. */
  async eval<T = unknown>(expression: string): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Waits until `condition` (a JS expression) holds in the page: the app renders after its data loads. */
  async waitFor(condition: string, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await this.eval<boolean>(`Boolean(${condition})`)) return;
      await sleep(100);
    }
    throw new Error(`the page never showed ${what}`);
  }

  async goto(url: string, width: number, height: number): Promise<void> {
    await this.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    await this.send('Page.navigate', { url });
    await this.waitFor('document.readyState === "complete"', 'a loaded document');
  }

  /** A PNG of the page's top `height` pixels (the whole page up to it, not only the window). */
  async shoot(file: string, width: number, height: number): Promise<void> {
    const full = await this.eval<number>('Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)');
    const clip = { x: 0, y: 0, width, height: Math.min(height, full), scale: 1 };
    const r = await this.send<{ data: string }>('Page.captureScreenshot', { format: 'png', clip, captureBeyondViewport: true });
    const png = Buffer.from(r.data, 'base64');
    await writeFile(file, png);
    const size = (await stat(file)).size;
    console.log(`${file.slice(root.length)}: ${width}x${clip.height}, ${Math.round(size / 1024)} KB`);
    if (size > MAX_BYTES) throw new Error(`${file} is ${Math.round(size / 1024)} KB, over the 400 KB the README allows`);
  }

  close(): void {
    this.ws.close();
  }
}

async function chromium(profileDir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const p = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--disable-extensions',
    '--font-render-hinting=none', `--user-data-dir=${profileDir}`, '--remote-debugging-port=0', 'about:blank'], { stdio: 'ignore' });
  const portFile = join(profileDir, 'DevToolsActivePort');
  for (let i = 0; i < 300; i++) {
    const text = await readFile(portFile, 'utf8').catch(() => '');
    if (text.includes('\n')) {
      // Stopped and waited for, so its profile folder can be removed.
      return { port: Number(text.split('\n')[0]), stop: async () => { if (p.exitCode === null) { p.kill(); await once(p, 'exit'); } } };
    }
    if (p.exitCode !== null) break;
    await sleep(100);
  }
  p.kill();
  throw new Error('chromium did not start (apt-get install chromium)');
}

/** The Allure result id of the test whose name is `title` (the report's test-results.json). */
async function resultId(reportDir: string, title: string): Promise<string> {
  const byId = (JSON.parse(await readFile(join(reportDir, 'test-results.json'), 'utf8')) as { byId: Record<string, { name: string }> }).byId;
  const id = Object.keys(byId).find((k) => byId[k]!.name === title);
  if (!id) throw new Error(`no test "${title}" in ${reportDir}`);
  return id;
}

/**
 * `--from DIR` takes the pictures from the runs an earlier invocation left in DIR (kept when it failed) instead
 * of running again; otherwise everything runs in a new temporary folder, removed at the end if all went well.
 */
async function main(): Promise<void> {
  const from = process.argv.indexOf('--from');
  const reuse = from > 0 ? process.argv[from + 1] : undefined;
  const tmp = reuse ?? await mkdtemp(join(tmpdir(), 'simcert-screenshots-'));
  await mkdir(outDir, { recursive: true });
  const stops: (() => void | Promise<void>)[] = [];
  let ok = false;
  try {
    const run = join(tmp, 'run');
    const port = join(tmp, 'portability');
    const bench = join(tmp, 'bench');
    if (!reuse) await runAll(run, port, bench, tmp);
    await pictures(tmp, run, stops);
    ok = true;
  } finally {
    for (const stop of stops.reverse()) await stop();
    await rm(join(tmp, 'chrome'), { recursive: true, force: true });
    if (ok && !reuse) await rm(tmp, { recursive: true, force: true });
    else if (!ok) console.error(`the runs are kept in ${tmp}: take the pictures again with --from ${tmp}`);
  }
}

async function runAll(run: string, port: string, bench: string, tmp: string): Promise<void> {
  await must('simcert run (applet-install, jpki-signing)', ['run', '-p', join(root, 'profiles', 'emulated', 'reference.yaml'), '-s', 'applet-install', '-s', 'jpki-signing', '-o', run]);
  // small-memory has no room for the applet: its install fails with 6A84, the matrix's one finding (exit 1).
  await must('simcert run --suite portability (five variants)', ['run', '-p', join(VARIANTS, '*.yaml'), '-s', 'portability', '-o', port], [0, 1]);
  for (const v of ['rsa-only', 'scp02-isd-only', 't0-short-apdu']) {
    await must(`simcert bench sign rsa2048 (${v})`, ['bench', '-p', join(VARIANTS, `${v}.yaml`), '--op', 'sign', '--alg', 'rsa2048', '-n', '20', '-w', '2', '--transport-iterations', '0', '-o', bench]);
  }
  const results = (await readdir(bench)).filter((f) => f.endsWith('.json')).map((f) => join(bench, f));
  await must('simcert compare', ['compare', ...results, '--html', join(tmp, 'compare.html'), '--md', join(tmp, 'compare.md'), '--title', 'RSA-2048 signing on three SIM variants']);
}

async function pictures(tmp: string, run: string, stops: (() => void | Promise<void>)[]): Promise<void> {

  const { server, url } = await serve(tmp);
  stops.push(() => { server.close(); });
  const browser = await chromium(join(tmp, 'chrome'));
  stops.push(browser.stop);
  const page = await Page.open(browser.port);
  stops.push(() => page.close());

  // 1. Allure test pages: every step opened (its expected and actual), the APDU trace opened, and the page scrolled
  // to the steps, or to the first line of the trace that matches `traceAt`.
  const allurePage = async (title: string, file: string, traceAt?: string): Promise<void> => {
    const id = await resultId(join(run, 'allure-report'), title);
    await page.goto(`${url}/run/allure-report/index.html#${id}`, 1400, 1100);
    await page.waitFor('document.querySelector(\'[data-testid="test-result-step-title"]\')', `the steps of "${title}"`);
    await page.eval(`(async () => {
      const q = (s) => [...document.querySelectorAll(s)];
      const pause = (ms) => new Promise((r) => setTimeout(r, ms));
      for (const st of q('[data-testid="test-result-step"]')) {
        const arrow = st.querySelector(':scope > [data-testid="test-result-step-header"] [data-testid="test-result-step-arrow-button"]');
        if (arrow && !st.querySelector(':scope > [data-testid="test-result-step-content"]')) { arrow.click(); await pause(50); }
      }
      for (const h of q('[data-testid="test-result-attachment-header"]')) if (/APDU trace/.test(h.textContent)) h.querySelector('button').click();
    })()`);
    await page.waitFor('[...document.querySelectorAll("pre, code")].some((e) => /#\\d+ /.test(e.textContent))', `the APDU trace of "${title}"`);
    // The report scrolls inside a panel of its own, not the window.
    const found = await page.eval<boolean>(`(() => {
      const scroller = [...document.querySelectorAll('*')].find((e) => e.scrollHeight > e.clientHeight + 10 && getComputedStyle(e).overflowY !== 'visible');
      let target = [...document.querySelectorAll('*')].find((e) => e.children.length < 6 && /^Test body/.test(e.textContent.trim()));
      const at = ${JSON.stringify(traceAt ?? null)};
      let offset = 0;
      if (at) {
        // The matching line's own position, from a text range (trace lines wrap, so no line height will do).
        const pre = [...document.querySelectorAll('pre, code')].find((e) => /#\\d+ /.test(e.textContent));
        const m = new RegExp(at, 'm').exec(pre.textContent);
        if (!m) return false;
        const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
        let left = m.index;
        let node = walker.nextNode();
        while (node && left > node.textContent.length) { left -= node.textContent.length; node = walker.nextNode(); }
        const range = document.createRange();
        range.setStart(node, left);
        range.setEnd(node, Math.min(node.textContent.length, left + 1));
        target = range;
        offset = -40;
      }
      scroller.scrollTop += target.getBoundingClientRect().top + offset - 70;
      return true;
    })()`);
    if (!found) throw new Error(`the trace of "${title}" has no line matching ${traceAt}`);
    await sleep(300);
    await page.shoot(join(outDir, file), 1400, 1100);
  };
  await allurePage('counts a wrong PIN down, and the right PIN restores the counter', 'allure-test-steps.png');
  await allurePage('installs the applet and makes it selectable', 'allure-install-decoded.png');
  await allurePage('the JPKI applet is installed and personalized', 'allure-store-data-decoded.png', '^#\\d+ STORE DATA block 0 .*\\[SCP0');

  // 2. The portability matrix, at the 1400-px width it must fit.
  await page.goto(`${url}/portability/portability.html`, 1400, 1000);
  await page.shoot(join(outDir, 'portability.png'), 1400, 1000);

  // 3. The bench comparison page.
  await page.goto(`${url}/compare.html`, 1400, 1200);
  await page.shoot(join(outDir, 'compare.png'), 1400, 900);
}

await main();
