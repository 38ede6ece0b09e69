import { defineConfig } from "vite";

/** The browser game: built from client/ into client/dist, which the Worker serves as static assets. */
export default defineConfig({
  root: "client",
  // Shared code is imported from ../shared; Vite bundles it with the page.
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
  server: { proxy: { "/api": "http://127.0.0.1:8787", "/parties": { target: "ws://127.0.0.1:8787", ws: true } } },
});
