// lib/execution/shutdown.ts
var cleanups = /* @__PURE__ */ new Set();
function onShutdown(fn) {
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}
async function runShutdown() {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    await fn().catch(() => void 0);
  }
}

export {
  onShutdown,
  runShutdown
};
//# sourceMappingURL=chunk-IGOMR4D7.js.map
