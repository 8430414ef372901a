// Runs the review page's form script against a minimal stand-in for the DOM and fetch.
// Input (argv[2]): JSON {script, api, fields: [{kind: "clause"|"variable", key, type, current, value}],
//   detail: HITL detail returned by GET, option: button pressed, comment}.
// Output: JSON {requests: [{url, method, body}], status, disabled: {option: bool}}.
const input = JSON.parse(process.argv[2]);
const requests = [];
const statusElement = { textContent: "" };
const buttons = ["Goedkeuren", "Wijzigingen vragen", "Afwijzen"].map((value) => ({ value, disabled: true }));
const fields = input.fields.map((field) => ({
  value: field.value,
  dataset: field.kind === "clause"
    ? { clause: field.key, current: field.current }
    : { variable: field.key, type: field.type, current: field.current },
}));
let submitHandler = null;
const form = {
  dataset: { api: input.api },
  querySelector: (selector) => (selector === "textarea" ? { value: input.comment } : null),
  querySelectorAll: (selector) => {
    if (selector === "button") return buttons;
    if (selector === "select[data-clause]") return fields.filter((f) => f.dataset.clause !== undefined);
    if (selector === "[data-variable]") return fields.filter((f) => f.dataset.variable !== undefined);
    throw new Error("unexpected selector " + selector);
  },
  addEventListener: (name, handler) => { submitHandler = handler; },
};
global.document = { getElementById: (id) => (id === "antwoord" ? form : statusElement) };
global.fetch = (url, options) => {
  options = options || {};
  requests.push({ url, method: options.method || "GET", body: options.body ? JSON.parse(options.body) : null });
  const payload = options.method === "PATCH" ? { ok: true } : input.detail;
  return Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(payload) });
};
eval(input.script);
setTimeout(() => {
  const disabled = Object.fromEntries(buttons.map((b) => [b.value, b.disabled]));
  submitHandler({ preventDefault: () => {}, submitter: { value: input.option } });
  setTimeout(() => {
    console.log(JSON.stringify({ requests, status: statusElement.textContent, disabled }));
  }, 10);
}, 10);
