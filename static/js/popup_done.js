// A city or organisation created in the window a picker opened: hand it to that picker and close.
(function () {
  "use strict";
  var created = document.getElementById("created");
  if (!created || !window.opener || window.opener.closed) return;
  window.opener.postMessage({
    type: "mission-planner:created",
    field: created.dataset.field,
    value: created.dataset.value,
    label: created.dataset.label,
    timezone: created.dataset.timezone
  }, window.location.origin);
  window.close();
})();
