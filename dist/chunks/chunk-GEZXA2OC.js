// lib/planning/typescript.ts
var registered;
function ensureTypeScript(file) {
  if (!/\.[cm]?tsx?$/.test(file) || /tsx/.test(process.execArgv.join(" "))) return Promise.resolve();
  registered ??= import("tsx/esm/api").then(({ register }) => {
    register();
  });
  return registered;
}

export {
  ensureTypeScript
};
//# sourceMappingURL=chunk-GEZXA2OC.js.map
