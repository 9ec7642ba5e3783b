// The workbench's build: one page, its script and style, into the Python package's web/dist
// (served by the node at `/`; not committed: `make install` builds it).
import { defineConfig } from "vite";

export default defineConfig({
  build: {
    outDir: "../src/accord/web/dist",
    emptyOutDir: true,
    // The page sends a Content-Security-Policy without 'unsafe-inline': nothing may be inlined.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
    reportCompressedSize: false,
  },
});
