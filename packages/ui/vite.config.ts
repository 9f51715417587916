import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The collector serves dist/ at / and the API under /api on the same port.
// For `npm run dev`, point SPANHOUSE_API at a running collector.
const api = process.env.SPANHOUSE_API ?? 'http://127.0.0.1:4318';

/** Redoc's self-contained browser bundle, for the API reference page at /api/docs (served locally, no CDN). */
function redocBundle(): Plugin {
  return {
    name: 'spanhouse-redoc',
    generateBundle() {
      const file = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');
      this.emitFile({ type: 'asset', fileName: 'vendor/redoc.standalone.js', source: readFileSync(file) });
    },
  };
}

export default defineConfig({
  plugins: [react(), redocBundle()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': api, '/v1': api } },
  preview: { proxy: { '/api': api, '/v1': api } },
});
