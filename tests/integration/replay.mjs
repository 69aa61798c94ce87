// Replay WARC files in ReplayWeb.page (wabac.js) inside headless Chromium.
//
//   node tests/integration/replay.mjs --warc FILE [--warc FILE...]
//        [--ts TS] --url URL [[--ts TS] --url URL...] [--timeout SECONDS] [--json]
//
// --ts TS (14 digits, YYYYMMDDhhmmss) asks for the capture of the next --url
// closest to that time (the embed's ts attribute); without it, the latest.
// --lands URL2: the next --url redirects, and its replay ends at URL2.
//
// Serves, on 127.0.0.1 (a free port), an embed page per URL
//   <replay-web-page source="/x.warc.gz" url="URL" [ts="TS"]
//                    replaybase="/replay/" embed="replayonly">
//   + <script src="/ui.js">
// the service worker at /replay/sw.js, and the WARC files concatenated as
// /x.warc.gz (gzip-member WARC files concatenate into a valid one).  Then,
// for each URL in turn, opens the embed page and waits until the frame of the
// archived page (/replay/w/<coll>/[TS]mp_/URL, inside the embed's shadow root and
// the replay app's) has loaded, and prints that frame's document.body.innerText.
//
// Output (stdout): without --json the text of each page, one after the
// other; with --json one JSON object per URL
//   {"url": ..., "ts": ..., "frame": ..., "text": ...}
// and a last line {"requests": N, "blocked": N, "blocked_urls": [...],
// "served": N, "routed": N} (requests the filter saw, those it aborted,
// requests the replay server answered, those of them the filter saw: the
// browser fetches service-worker script updates itself, unseen by it).
// Only the replay server's own origin may be requested: any other request
// (another host, or another port on 127.0.0.1, such as the captured site)
// is aborted and counted as blocked.  Browser and service-worker console
// messages go to stderr.  Exit status: 0; 2 on bad usage; 1 on a timeout or
// any other failure, with a message on stderr.
//
// Needs playwright-core (tests/node_modules) and Debian's /usr/bin/chromium;
// resolved from this file's directory, so any working directory will do.

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "package.json"));
const { chromium } = require("playwright-core");
const rwpDir = dirname(require.resolve("replaywebpage/index.html"));

// -- arguments -------------------------------------------------------------

const warcs = [];
const urls = []; // {url, ts}
let ts = "";
let lands = "";
let timeoutSec = 60;
let json = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--warc" && i + 1 < argv.length) warcs.push(argv[++i]);
  else if (a === "--url" && i + 1 < argv.length) {
    urls.push({ url: argv[++i], ts, lands });
    ts = lands = "";
  } else if (a === "--ts" && i + 1 < argv.length && /^\d{1,14}$/.test(argv[i + 1])) ts = argv[++i];
  else if (a === "--lands" && i + 1 < argv.length) lands = argv[++i];
  else if (a === "--timeout" && i + 1 < argv.length) timeoutSec = Number(argv[++i]);
  else if (a === "--json") json = true;
  else {
    console.error(`replay.mjs: unexpected argument ${a}`);
    process.exit(2);
  }
}
if (!warcs.length || !urls.length || !(timeoutSec > 0)) {
  console.error(
    "usage: replay.mjs --warc FILE... [--ts TS] --url URL... [--timeout S] [--json]",
  );
  process.exit(2);
}

const log = (...a) => console.error("[replay]", ...a);
const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1) + "s";

// -- the static server -----------------------------------------------------

const warcData = Buffer.concat(warcs.map((f) => readFileSync(f)));
const swJs = readFileSync(join(rwpDir, "sw.js"));
const uiJs = readFileSync(join(rwpDir, "ui.js"));

const esc = (s) =>
  s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function embedPage(url, ts) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>rotwatch replay</title>
<script src="/ui.js"></script></head>
<body style="margin:0;height:100vh">
<replay-web-page source="/x.warc.gz" url="${esc(url)}"${ts ? ` ts="${esc(ts)}"` : ""}
  replaybase="/replay/" embed="replayonly" style="height:100vh"></replay-web-page>
</body></html>
`;
}

const served = [];
function handle(req, res) {
  const u = new URL(req.url, "http://127.0.0.1");
  served.push(`${req.method} ${u.pathname}${req.headers.range ? " " + req.headers.range : ""}`);
  let body;
  let type;
  const headers = { "Cache-Control": "no-store" };
  if (u.pathname === "/embed.html") {
    body = Buffer.from(embedPage(u.searchParams.get("url") || "", u.searchParams.get("ts") || ""));
    type = "text/html; charset=utf-8";
  } else if (u.pathname === "/ui.js" || u.pathname === "/replay/ui.js") {
    // the index page the service worker serves under /replay/ loads ./ui.js
    body = uiJs;
    type = "application/javascript";
  } else if (u.pathname === "/replay/sw.js") {
    body = swJs;
    type = "application/javascript";
  } else if (u.pathname === "/replay/" || u.pathname === "/replay/index.html") {
    // the service worker serves this page itself (serveIndex=1); this is only
    // what the very first, not yet controlled, load gets: the embed reloads it
    body = Buffer.from("<!doctype html><html><head></head><body></body></html>\n");
    type = "text/html; charset=utf-8";
  } else if (u.pathname === "/x.warc.gz") {
    body = warcData;
    type = "application/octet-stream";
    headers["Accept-Ranges"] = "bytes";
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || "");
    if (m && (m[1] !== "" || m[2] !== "")) {
      let start;
      let end;
      if (m[1] === "") {
        start = Math.max(0, body.length - Number(m[2]));
        end = body.length - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === "" ? body.length - 1 : Math.min(Number(m[2]), body.length - 1);
      }
      if (start > end || start >= body.length) {
        res.writeHead(416, { "Content-Range": `bytes */${body.length}` });
        res.end();
        return;
      }
      headers["Content-Range"] = `bytes ${start}-${end}/${body.length}`;
      res.writeHead(206, { ...headers, "Content-Type": type, "Content-Length": end - start + 1 });
      res.end(req.method === "HEAD" ? undefined : body.subarray(start, end + 1));
      return;
    }
  } else {
    log(`404 from the replay server: ${req.method} ${u.pathname}`);
    res.writeHead(404, { "Content-Type": "text/plain", "Content-Length": 10 });
    res.end(req.method === "HEAD" ? undefined : "not found\n");
    return;
  }
  res.writeHead(200, { ...headers, "Content-Type": type, "Content-Length": body.length });
  res.end(req.method === "HEAD" ? undefined : body);
}

const server = createServer(handle);
await new Promise((ok, ko) => {
  server.once("error", ko);
  server.listen(0, "127.0.0.1", ok);
});
const origin = `http://127.0.0.1:${server.address().port}`;
log(`serving ${warcData.length} WARC bytes (${warcs.length} file(s)) at ${origin}`);

// -- the browser -----------------------------------------------------------

let browser;
let requests = 0;
const routed = [];
const blocked = [];

async function shutdown(code) {
  try {
    if (browser) await browser.close();
  } catch (e) {
    log("closing the browser:", e.message);
  }
  server.close();
  server.closeAllConnections?.();
  process.exit(code);
}

function failWith(msg) {
  log(`FAILED after ${elapsed()}: ${msg}`);
  log("requests served:", served.join(", ") || "(none)");
  if (blocked.length) log("blocked requests:", blocked.join(", "));
  return shutdown(1);
}

// a watchdog over the whole run, whatever hangs
const watchdog = setTimeout(() => {
  failWith(`timeout: the whole run took more than ${timeoutSec * urls.length + 30} s`);
}, (timeoutSec * urls.length + 30) * 1000);
watchdog.unref();

try {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--no-proxy-server",
      // nothing but loopback resolves, should anything try
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-domain-reliability",
      "--disable-sync",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-dev-shm-usage",
    ],
  });
} catch (e) {
  await failWith(`cannot launch /usr/bin/chromium: ${e.message}`);
}

const context = await browser.newContext({ serviceWorkers: "allow" });

// Only our own origin: the page, its frames and (in Chromium) the service
// worker's own fetches all go through this.
await context.route("**/*", (route) => {
  const url = route.request().url();
  requests++;
  let ok = false;
  try {
    ok = new URL(url).origin === origin;
  } catch {
    ok = false;
  }
  if (ok) {
    routed.push(new URL(url).pathname);
    return route.continue();
  }
  blocked.push(url);
  log("BLOCKED non-local request:", url);
  return route.abort("blockedbyclient");
});

context.on("console", (msg) => {
  const where = msg.worker() ? `worker ${msg.worker().url()}` : msg.page() ? "page" : "?";
  const line = `console.${msg.type()} (${where}): ${msg.text()}`;
  log(line);
});
context.on("serviceworker", (w) => log(`service worker started: ${w.url()}`));
context.on("response", (r) => {
  if (r.status() >= 400) {
    log(`HTTP ${r.status()} for ${r.url()}${r.fromServiceWorker() ? " (from the service worker)" : ""}`);
  }
});
context.on("weberror", (e) => log("page error:", String(e.error())));

// The archived page's frame: /replay/w/<coll>/[TS]mp_/URL, the innermost one
// (whatever TS it ends up at: wabac may move it to the capture's own time).
function archivedFrame(page, url) {
  for (const f of page.frames()) {
    const fu = f.url();
    if (
      fu.startsWith(origin + "/replay/w/") &&
      fu.endsWith("mp_/" + url) &&
      /\/\d*mp_\/$/.test(fu.slice(0, fu.length - url.length))
    ) {
      return f;
    }
  }
  return null;
}

const results = [];
for (const { url, ts, lands } of urls) {
  const page = await context.newPage();
  const deadline = Date.now() + timeoutSec * 1000;
  const q = new URLSearchParams({ url, ts });
  await page.goto(`${origin}/embed.html?${q}`, {
    timeout: timeoutSec * 1000,
  });
  let text = null;
  let frameUrl = null;
  let last = "";
  while (Date.now() < deadline) {
    const f = archivedFrame(page, lands || url);
    if (f) {
      try {
        const r = await f.evaluate(() =>
          document.readyState === "complete" && document.body
            ? document.body.innerText
            : null,
        );
        if (r !== null && r.trim() !== "") {
          text = r;
          frameUrl = f.url();
          break;
        }
        last = `frame ${f.url()} not ready`;
      } catch (e) {
        last = `frame ${f.url()}: ${e.message.split("\n")[0]}`;
      }
    } else {
      last = "frames: " + page.frames().map((x) => x.url()).join(" | ");
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }
  if (text === null) {
    await failWith(
      `timeout: no archived-page frame for ${url}${ts ? " at " + ts : ""} with text ` +
        `within ${timeoutSec} s (last seen: ${last})`,
    );
  }
  log(`replayed ${url} in frame ${frameUrl} (${elapsed()})`);
  results.push({ url, ts, frame: frameUrl, text });
  await page.close();
}

for (const r of results) {
  if (json) process.stdout.write(JSON.stringify(r) + "\n");
  else process.stdout.write(r.text + (r.text.endsWith("\n") ? "" : "\n"));
}
if (json) {
  process.stdout.write(
    JSON.stringify({
      requests,
      blocked: blocked.length,
      blocked_urls: blocked,
      served: served.length,
      routed: routed.length,
    }) + "\n",
  );
} else {
  log(`requests through the browser: ${requests}, blocked (not ${origin}): ${blocked.length}`);
}
log("served:", served.join(", "));
log("routed:", routed.join(", "));
log(`done in ${elapsed()}`);
await shutdown(0);
