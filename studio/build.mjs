// Builds the Studio page into the Python package (src/streamgraph/server/studio/page/):
// index.html, app.js (one minified bundle: our code and Preact) and app.css. The server
// gzips them when it loads them; this script prints their sizes raw and gzipped.
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "streamgraph", "server", "studio", "page");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, "src", "main.tsx")],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022", "chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  // The bundle carries Preact: its licence asks for the notice in every copy.
  banner: { js: "/*! streamgraph studio. Includes Preact (MIT License, Copyright (c) 2015-present Jason Miller). */" },
  outfile: join(out, "app.js"),
  logLevel: "warning",
});
// (main.tsx imports styles.css: esbuild writes it beside the bundle as app.css.)

// The page names its files with a content hash in the query, so a browser never mixes a
// new page with an old script.
const stamp = (name) => createHash("sha256").update(readFileSync(join(out, name))).digest("hex").slice(0, 10);
const html = readFileSync(join(here, "src", "index.html"), "utf8")
  .replace("app.js", `app.js?v=${stamp("app.js")}`)
  .replace("app.css", `app.css?v=${stamp("app.css")}`)
  .replace("</html>", `<!-- sources ${sourcesDigest()} -->\n</html>`);
writeFileSync(join(out, "index.html"), html);

// What the page was built from, so that a test (tests/studio/test_page.py, no Node.js
// needed) notices sources changed without `make studio`.
function sourcesDigest() {
  const files = [join(here, "package-lock.json"), join(here, "build.mjs")];
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(join(here, "src"));
  const hash = createHash("sha256");
  for (const path of files.map((f) => relative(here, f).split("\\").join("/")).sort()) {
    hash.update(path + "\0");
    hash.update(readFileSync(join(here, path)));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

let total = 0;
for (const name of readdirSync(out).sort()) {
  const body = readFileSync(join(out, name));
  const gz = gzipSync(body, { level: 9 }).length;
  total += name.endsWith(".txt") ? 0 : gz;
  console.log(`${name.padEnd(22)} ${String(body.length).padStart(8)} B  ${String(gz).padStart(7)} B gzip`);
}
console.log(`first load (html + js + css, gzip): ${total} B`);
