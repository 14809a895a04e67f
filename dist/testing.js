import {
  cloneDatabase,
  dropTemplate,
  prepareTemplate,
  testServer,
  truncateAndReplant
} from "./chunks/chunk-WRWLLYZA.js";
import "./chunks/chunk-NBWOXC2R.js";
import "./chunks/chunk-IO7WYGO7.js";
import {
  databaseUrl
} from "./chunks/chunk-TFDB6JHZ.js";
import "./chunks/chunk-GEZXA2OC.js";
import "./chunks/chunk-PXCDQJM3.js";
import "./chunks/chunk-IGOMR4D7.js";
import "./chunks/chunk-K7UNPX46.js";
import "./chunks/chunk-AXPJMKOQ.js";
import "./chunks/chunk-MHV4YG4X.js";
export {
  cloneDatabase,
  databaseUrl,
  dropTemplate,
  prepareTemplate,
  testServer,
  truncateAndReplant
};
//# sourceMappingURL=testing.js.map
