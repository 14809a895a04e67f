// lib/errors/redact.ts
var secrets = /* @__PURE__ */ new Set();
var MIN_SECRET_LENGTH = 3;
function addSecret(value) {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}
function redactUrl(url) {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/\s]*)@/gi, "$1***@");
}
function redact(text) {
  let out = redactUrl(text);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join("***");
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join("***");
  }
  return out;
}
function redactValue(value) {
  if (typeof value === "string") return redact(value);
  if (value instanceof Error) {
    const copy = new Error(redact(value.message));
    copy.name = value.name;
    copy.stack = value.stack && redact(value.stack);
    Object.assign(copy, { code: value.code });
    return copy;
  }
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v)]));
  }
  return value;
}

export {
  addSecret,
  redactUrl,
  redact,
  redactValue
};
//# sourceMappingURL=chunk-MHV4YG4X.js.map
