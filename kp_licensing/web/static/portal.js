// The portal works without this script; it only helps: the first error of a form is focused,
// and a shipment's line can be added without a round trip.
document.addEventListener("DOMContentLoaded", () => {
  const errors = document.getElementById("form-errors");
  if (errors) errors.focus();
  document.querySelectorAll("[data-add-row]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      const body = document.getElementById(button.dataset.addRow);
      const last = body.querySelector("tr:last-child");
      const index = body.querySelectorAll("tr").length;
      const copy = last.cloneNode(true);
      copy.querySelectorAll("input, select, label").forEach((el) => {
        for (const attr of ["name", "id", "for", "aria-describedby"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/\.\d+\./, `.${index}.`).replace(/-\d+-/, `-${index}-`));
        }
        if (el.tagName === "INPUT") el.value = "";
      });
      body.appendChild(copy);
    });
  });
});
