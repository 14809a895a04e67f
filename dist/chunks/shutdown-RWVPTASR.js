import {
  onShutdown,
  runShutdown
} from "./chunk-IGOMR4D7.js";
export {
  onShutdown,
  runShutdown
};
//# sourceMappingURL=shutdown-RWVPTASR.js.map
