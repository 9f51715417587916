import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The collector serves dist/ at / and the API under /api on the same port.
// For `npm run dev`, point SPANHOUSE_API at a running collector.
const api = process.env.SPANHOUSE_API ?? 'http://127.0.0.1:4318';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': api, '/v1': api } },
  preview: { proxy: { '/api': api, '/v1': api } },
});
