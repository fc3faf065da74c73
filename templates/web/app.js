// Lists in the evidence form: add and remove rows. Inputs are named by JSON pointer
// (/emissions/direct/0/mass); rows are renumbered so the names stay dense. No data leaves the page here.
"use strict";
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target.classList.contains("add-row")) {
    const body = target.closest("fieldset").querySelector("tbody");
    const last = body.rows[body.rows.length - 1];
    const row = last.cloneNode(true);
    row.querySelectorAll("input, select").forEach((control) => {
      if (control.tagName === "SELECT") control.selectedIndex = 0; else control.value = "";
      control.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".problem").forEach((problem) => problem.remove());
    body.appendChild(row);
    renumber(body);
  } else if (target.classList.contains("remove-row")) {
    const body = target.closest("tbody");
    const row = target.closest("tr");
    if (body.rows.length > 1) {
      row.remove();
    } else {
      row.querySelectorAll("input, select").forEach((control) => { control.value = ""; });
    }
    renumber(body);
  }
});

function renumber(body) {
  const base = body.dataset.base;
  Array.from(body.rows).forEach((row, index) => {
    row.querySelectorAll("input, select").forEach((control) => {
      const rest = control.name.slice(base.length + 1).replace(/^\d+/, "");
      control.name = control.id = base + "/" + index + rest;
    });
  });
}
