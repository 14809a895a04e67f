import {
  createLogger
} from "./chunk-AXPJMKOQ.js";
import "./chunk-MHV4YG4X.js";
export {
  createLogger
};
//# sourceMappingURL=log-DRK3SIPN.js.map
